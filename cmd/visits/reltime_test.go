package main

import (
	"testing"
	"time"
)

func TestRelTime(t *testing.T) {
	now := time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		ago  time.Duration
		want string
	}{
		{0, "just now"},
		{59 * time.Second, "just now"},
		{-5 * time.Minute, "just now"}, // clocks apart
		{time.Minute, "1 minute ago"},
		{2*time.Minute + 30*time.Second, "2 minutes ago"},
		{59 * time.Minute, "59 minutes ago"},
		{time.Hour, "1 hour ago"},
		{23 * time.Hour, "23 hours ago"},
		{30 * time.Hour, "yesterday"},
		{2 * 24 * time.Hour, "2 days ago"},
		{6 * 24 * time.Hour, "6 days ago"},
		{8 * 24 * time.Hour, "7 Mar 2026"},
		{400 * 24 * time.Hour, "8 Feb 2025"},
	}
	for _, tt := range tests {
		at := now.Add(-tt.ago)
		got := relTime(at, now)
		if got.Text != tt.want {
			t.Errorf("relTime(now - %v) = %q, want %q", tt.ago, got.Text, tt.want)
		}
		if want := at.UTC().Format(time.RFC3339); got.ISO != want {
			t.Errorf("relTime(now - %v).ISO = %q, want %q", tt.ago, got.ISO, want)
		}
	}
	if got := relTime(time.Time{}, now); got.Text != "unknown" || got.ISO != "" {
		t.Errorf("relTime(zero) = %+v, want unknown without a machine form", got)
	}
}
