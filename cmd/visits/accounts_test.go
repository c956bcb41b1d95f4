package main

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestDemoAccounts(t *testing.T) {
	a, err := newAccounts(demoUsers)
	if err != nil {
		t.Fatalf("newAccounts(demoUsers): %v", err)
	}
	tests := []struct {
		name, password, wantUser string
		ok                       bool
	}{
		{"alice", alicePassword, "alice", true},
		{"bob", bobPassword, "bob", true},
		{" ALICE ", alicePassword, "alice", true},
		{"alice", bobPassword, "alice", false},
		{"bob", alicePassword, "bob", false},
		{"alice", "", "alice", false},
		{"mallory", alicePassword, "mallory", false},
		{"", "", "", false},
	}
	for _, tt := range tests {
		user, ok, err := a.check(context.Background(), tt.name, tt.password)
		if err != nil || ok != tt.ok || user != tt.wantUser {
			t.Errorf("check(%q, %q) = %q, %v, %v; want %q, %v, nil", tt.name, tt.password, user, ok, err, tt.wantUser, tt.ok)
		}
	}
	for name, h := range demoUsers {
		if strings.Contains(h, "password") || !strings.HasPrefix(h, "$argon2id$") {
			t.Errorf("user %s: %q is not an Argon2id hash", name, h)
		}
	}
}

func TestAccountsCheckCancelled(t *testing.T) {
	a, err := newAccounts(demoUsers)
	if err != nil {
		t.Fatal(err)
	}
	for range cap(a.slots) {
		a.slots <- struct{}{} // every slot busy
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, ok, err := a.check(ctx, "alice", alicePassword); ok || !errors.Is(err, context.Canceled) {
		t.Errorf("check with every slot busy and ctx cancelled = %v, %v; want false, context.Canceled", ok, err)
	}
}

func TestParseArgon2id(t *testing.T) {
	good := demoUsers["alice"]
	if _, err := parseArgon2id(good); err != nil {
		t.Fatalf("parseArgon2id(%q): %v", good, err)
	}
	for _, bad := range []string{
		"",
		"plain-text-password",
		strings.Replace(good, "argon2id", "argon2i", 1),
		strings.Replace(good, "v=19", "v=16", 1),
		strings.Replace(good, "m=19456", "m=0", 1),
		strings.Replace(good, "t=2", "t=x", 1),
		strings.Replace(good, "p=1", "p=300", 1),
		strings.Replace(good, "p=1", "q=1", 1),
		strings.Replace(good, "m=19456,t=2,p=1", "m=19456,t=2", 1),
		good[:strings.LastIndexByte(good, '$')] + "$!!!",
		good[:strings.LastIndexByte(good, '$')] + "$c2hvcnQ",
		good + "$extra",
	} {
		if _, err := parseArgon2id(bad); err == nil {
			t.Errorf("parseArgon2id(%q): got nil error, want one", bad)
		}
	}
	if _, err := newAccounts(map[string]string{"eve": "plain"}); err == nil {
		t.Error("newAccounts with a plain-text password: got nil error, want one")
	}
}
