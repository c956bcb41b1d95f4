package main

import (
	"github.com/redis/go-redis/v9"
	"github.com/sessionkit/session"
	"github.com/sessionkit/session/redisstore"
)

// redisStore is the connect-redis-compatible store on client.
func redisStore(client redis.UniversalClient) session.Store {
	return redisstore.New(client, redisstore.Options{})
}
