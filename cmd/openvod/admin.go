package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/openvod/openvod"
)

// runApps lists or creates apps on the database directly.
func runApps(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	s := newSettings("apps", "apps list | apps create [--name NAME]", getenv, stderr)
	data := s.data()
	name := s.fs.String("name", "", "name of the app to create")
	sub, err := subcommand(s, args, "list", "create")
	if err != nil {
		return err
	}
	st, unlock, err := openStore(ctx, data, false)
	if err != nil {
		return err
	}
	defer unlock()
	defer st.Close()
	if sub == "create" {
		app, err := st.AppCreate(ctx, *name, time.Now())
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "SubAppId %d created\n", app.ID)
		return nil
	}
	apps, err := st.AppList(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%-12s %-20s %s\n", "SubAppId", "CreateTime", "Name")
	for _, a := range apps {
		fmt.Fprintf(stdout, "%-12d %-20s %s\n", a.ID, openvod.FormatTime(a.CreateTime), a.Name)
	}
	return nil
}

// runKeys lists or creates API keys on the database directly. Listing
// never shows a SecretKey; creating shows the new one once.
func runKeys(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	s := newSettings("keys", "keys list | keys create", getenv, stderr)
	data := s.data()
	sub, err := subcommand(s, args, "list", "create")
	if err != nil {
		return err
	}
	st, unlock, err := openStore(ctx, data, false)
	if err != nil {
		return err
	}
	defer unlock()
	defer st.Close()
	if sub == "create" {
		k := openvod.NewAPIKey(time.Now())
		if err := st.KeyInsert(ctx, k); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "SecretId:  %s\nSecretKey: %s\n(the SecretKey is shown only now; keys work for every app)\n", k.SecretID, k.SecretKey)
		return nil
	}
	keys, err := st.KeyList(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%-40s %-20s %s\n", "SecretId", "CreateTime", "Status")
	for _, k := range keys {
		status := "Enabled"
		if !k.DisableTime.IsZero() {
			status = "Disabled"
		}
		fmt.Fprintf(stdout, "%-40s %-20s %s\n", k.SecretID, openvod.FormatTime(k.CreateTime), status)
	}
	return nil
}

// subcommand parses "<sub> [flags]" where sub is one of choices.
func subcommand(s *setting, args []string, choices ...string) (string, error) {
	if len(args) == 0 {
		s.fs.Usage()
		return "", fmt.Errorf("give one of %v", choices)
	}
	sub := args[0]
	if err := s.parse(args[1:]); err != nil {
		return "", err
	}
	for _, c := range choices {
		if sub == c {
			return sub, nil
		}
	}
	s.fs.Usage()
	return "", fmt.Errorf("unknown subcommand %q; give one of %v", sub, choices)
}
