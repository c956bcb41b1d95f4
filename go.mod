module github.com/sessionkit/session

go 1.26.8

require golang.org/x/crypto v0.58.0 // indirect
