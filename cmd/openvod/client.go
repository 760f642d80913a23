package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/openvod/openvod/vodevent"
	"golang.org/x/term"
)

// clientSettings are the flags of commands that call a running server.
type clientSettings struct {
	Endpoint  *string
	SecretID  *string
	SecretKey *string
	SubAppID  *int64
	DataDir   *string
}

func (s *setting) client() clientSettings {
	return clientSettings{
		Endpoint:  s.String("endpoint", "OPENVOD_ENDPOINT", "http://127.0.0.1:8080", "URL of the openvod server"),
		SecretID:  s.String("secret-id", "OPENVOD_SECRET_ID", "", "API SecretId (default: from <data-dir>/credentials.json)"),
		SecretKey: s.String("secret-key", "OPENVOD_SECRET_KEY", "", "API SecretKey (default: from <data-dir>/credentials.json)"),
		SubAppID:  s.Int64("sub-app-id", "OPENVOD_SUB_APP_ID", 0, "SubAppId of the app (default: the default app)"),
		DataDir:   s.String("data-dir", "OPENVOD_DATA_DIR", "./data", "data directory of a local server, to read its key file"),
	}
}

// newClient returns an API client, taking the key from the local server's
// key file when none is given.
func (c clientSettings) newClient() (*vodevent.Client, error) {
	id, key := *c.SecretID, *c.SecretKey
	if id == "" && key == "" {
		b, err := os.ReadFile(filepath.Join(*c.DataDir, credentialsFile))
		if err != nil {
			return nil, errors.New("no API key: set OPENVOD_SECRET_ID and OPENVOD_SECRET_KEY (or --secret-id/--secret-key), or run next to a local server's data directory")
		}
		var cr credentials
		if err := json.Unmarshal(b, &cr); err != nil {
			return nil, err
		}
		id, key = cr.SecretId, cr.SecretKey
	}
	return &vodevent.Client{Endpoint: strings.TrimRight(*c.Endpoint, "/"), SecretId: id, SecretKey: key, SubAppId: uint64(*c.SubAppID),
		HTTPClient: &http.Client{Timeout: 60 * time.Second}}, nil
}

func runUpload(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	s := newSettings("upload", "upload [flags] FILE", getenv, stderr)
	cs := s.client()
	name := s.fs.String("name", "", "media name (default: the file name without extension)")
	if err := s.parse(args); err != nil {
		return err
	}
	if s.fs.NArg() != 1 {
		s.fs.Usage()
		return errors.New("give one FILE")
	}
	path := s.fs.Arg(0)
	c, err := cs.newClient()
	if err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	ext := strings.TrimPrefix(filepath.Ext(path), ".")
	if *name == "" {
		*name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	}
	var applied struct {
		VodSessionKey string
		UploadUrl     string
	}
	if err := c.Call(ctx, "ApplyUpload", map[string]any{"MediaType": ext, "MediaName": *name}, &applied); err != nil {
		return err
	}
	var body io.Reader = f
	if tf, ok := stderr.(*os.File); ok && term.IsTerminal(int(tf.Fd())) {
		bar := &progressBar{w: stderr, total: info.Size(), start: time.Now()}
		body = io.TeeReader(f, bar)
		defer bar.finish()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, applied.UploadUrl, body)
	if err != nil {
		return err
	}
	req.ContentLength = info.Size()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	msg, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("upload: HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(msg)))
	}
	var committed struct{ FileId, MediaUrl string }
	if err := c.Call(ctx, "CommitUpload", map[string]any{"VodSessionKey": applied.VodSessionKey}, &committed); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "FileId:   %s\nMediaUrl: %s\n", committed.FileId, committed.MediaUrl)
	return nil
}

func runMedia(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	s := newSettings("media", "media describe FILEID... | media delete FILEID", getenv, stderr)
	cs := s.client()
	sub, err := subcommand(s, args, "describe", "delete")
	if err != nil {
		return err
	}
	c, err := cs.newClient()
	if err != nil {
		return err
	}
	ids := s.fs.Args()
	if sub == "delete" {
		if len(ids) != 1 {
			return errors.New("give one FILEID")
		}
		if err := c.Call(ctx, "DeleteMedia", map[string]any{"FileId": ids[0]}, nil); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "deleted %s\n", ids[0])
		return nil
	}
	if len(ids) == 0 {
		return errors.New("give at least one FILEID")
	}
	return callAndPrint(ctx, c, "DescribeMediaInfos", map[string]any{"FileIds": ids}, stdout)
}

func runTasks(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	s := newSettings("tasks", "tasks describe TASKID", getenv, stderr)
	cs := s.client()
	if _, err := subcommand(s, args, "describe"); err != nil {
		return err
	}
	if s.fs.NArg() != 1 {
		return errors.New("give one TASKID")
	}
	c, err := cs.newClient()
	if err != nil {
		return err
	}
	return callAndPrint(ctx, c, "DescribeTaskDetail", map[string]any{"TaskId": s.fs.Arg(0)}, stdout)
}

// callAndPrint runs an action and prints its response as indented JSON.
func callAndPrint(ctx context.Context, c *vodevent.Client, action string, params map[string]any, stdout io.Writer) error {
	var out json.RawMessage
	if err := c.Call(ctx, action, params, &out); err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

// progressBar draws upload progress on a terminal.
type progressBar struct {
	w     io.Writer
	total int64
	done  int64
	start time.Time
	last  time.Time
}

func (p *progressBar) Write(b []byte) (int, error) {
	p.done += int64(len(b))
	if now := time.Now(); now.Sub(p.last) > 100*time.Millisecond || p.done == p.total {
		p.last = now
		p.draw()
	}
	return len(b), nil
}

func (p *progressBar) draw() {
	const width = 30
	frac := 1.0
	if p.total > 0 {
		frac = float64(p.done) / float64(p.total)
	}
	n := int(frac * width)
	mbps := float64(p.done) / 1e6 / max(time.Since(p.start).Seconds(), 1e-3)
	fmt.Fprintf(p.w, "\r[%s%s] %5.1f%% %.1f MB/s", strings.Repeat("=", n), strings.Repeat(" ", width-n), frac*100, mbps)
}

func (p *progressBar) finish() { p.draw(); fmt.Fprintln(p.w) }
