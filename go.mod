module github.com/sessionkit/session

go 1.25.0
