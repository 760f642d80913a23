// Command openvod is a self-hosted video-on-demand server that speaks the
// Tencent Cloud VOD API 3.0, and a client for it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `openvod: a self-hosted VOD server speaking the Tencent Cloud VOD API 3.0.

Usage: openvod <command> [flags]

Server:
  serve                 start the server (SQLite and ./data by default)
  apps list|create      list or create apps (SubAppIds), on the database directly
  keys list|create      list or create API key pairs, on the database directly
  bench [--quick]       benchmark real servers (SQLite, PostgreSQL) against ffmpeg and targets; writes docs/benchmarks.md

Client (talks to a running server):
  upload FILE           ApplyUpload, PUT the bytes, CommitUpload; prints FileId and MediaUrl
  media describe FILEID...
  media delete FILEID
  clip FILEID --start S --end E [--exact] [--wait]
                        ClipVideo: a new media file of the range; --wait prints the result
  tasks describe TASKID
  events listen|pull|config|deliveries|list|resend
                        receive, pull and configure event notifications

Run "openvod <command> --help" for the flags of a command. Every flag can
also be set with the environment variable shown in its help.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "openvod:", err)
		}
		os.Exit(2)
	}
}

// run executes one command line.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, usage)
		return nil
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return runServe(ctx, rest, getenv, stdout, stderr)
	case "apps":
		return runApps(ctx, rest, getenv, stdout, stderr)
	case "keys":
		return runKeys(ctx, rest, getenv, stdout, stderr)
	case "upload":
		return runUpload(ctx, rest, getenv, stdout, stderr)
	case "media":
		return runMedia(ctx, rest, getenv, stdout, stderr)
	case "clip":
		return runClip(ctx, rest, getenv, stdout, stderr)
	case "tasks":
		return runTasks(ctx, rest, getenv, stdout, stderr)
	case "events":
		return runEvents(ctx, rest, getenv, stdout, stderr)
	case "bench":
		return runBench(ctx, rest, getenv, stdout, stderr)
	}
	return fmt.Errorf("unknown command %q; run openvod --help", cmd)
}
