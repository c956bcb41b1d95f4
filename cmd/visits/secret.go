package main

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// defaultDataDir is where the development secret (and, later, durable
// stores) live by default.
func defaultDataDir() string {
	if dir, err := os.UserConfigDir(); err == nil {
		return filepath.Join(dir, "sessionkit-visits")
	}
	return filepath.Join(os.TempDir(), "sessionkit-visits")
}

// loadSecrets returns the secrets from SESSION_SECRET (comma-separated,
// the first signs). When it is unset, it returns a development secret:
// random, generated on first use and kept in dataDir/dev-secret, so that
// restarting the app does not sign anybody out.
func loadSecrets(getenv func(string) string, dataDir string, log *slog.Logger) ([]string, error) {
	if env := getenv("SESSION_SECRET"); env != "" {
		var secrets []string
		for _, s := range strings.Split(env, ",") {
			if s = strings.TrimSpace(s); s != "" {
				secrets = append(secrets, s)
			}
		}
		if len(secrets) == 0 {
			return nil, errors.New("SESSION_SECRET holds no secret")
		}
		return secrets, nil
	}
	path := filepath.Join(dataDir, "dev-secret")
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		var raw [32]byte
		if _, err := rand.Read(raw[:]); err != nil {
			return nil, err
		}
		b = []byte(base64.RawURLEncoding.EncodeToString(raw[:]))
		if err := os.MkdirAll(dataDir, 0o700); err != nil {
			return nil, fmt.Errorf("development secret: %w", err)
		}
		if err := os.WriteFile(path, b, 0o600); err != nil {
			return nil, fmt.Errorf("development secret: %w", err)
		}
	} else if err != nil {
		return nil, fmt.Errorf("development secret: %w", err)
	}
	secret := strings.TrimSpace(string(b))
	if secret == "" {
		return nil, fmt.Errorf("development secret %s is empty", path)
	}
	log.Warn("visits: SESSION_SECRET is not set; using the development secret kept in "+path+
		"; set SESSION_SECRET in production", "path", path)
	return []string{secret}, nil
}
