// Package patchhook lets package storetest build the session.Patch values
// a store's tests apply, which only package session can build, without
// package session exporting a constructor that applications would see.
package patchhook

// New is set by package session when it is initialized, to a
// func(set map[string]json.RawMessage, del []string, add map[string]int64,
// base []byte) *session.Patch; it is typed any because this package cannot
// import package session.
var New any
