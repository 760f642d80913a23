package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/openvod/openvod/vodevent"
)

const eventsUsage = `Usage: openvod events <subcommand> [flags]

  listen      run a local callback receiver: print each pushed event, check its signature
  pull        PullEvents, print each event, ConfirmEvents (--follow to keep going)
  config      show the event configuration, or change it with flags
  deliveries  show the push delivery attempts, newest first
  list        show the events kept by the server (DescribeEvents)
  resend      deliver events again: resend EVENTID...

Run "openvod events <subcommand> --help" for its flags.
`

// runEvents dispatches the event subcommands.
func runEvents(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, eventsUsage)
		return errors.New("give a subcommand of events")
	}
	sub, rest := args[0], args[1:]
	switch sub {
	case "-h", "--help", "help":
		fmt.Fprint(stdout, eventsUsage)
		return nil
	case "listen":
		return runEventsListen(ctx, rest, getenv, stdout, stderr)
	case "pull":
		return runEventsPull(ctx, rest, getenv, stdout, stderr)
	case "config":
		return runEventsConfig(ctx, rest, getenv, stdout, stderr)
	case "deliveries":
		return runEventsDeliveries(ctx, rest, getenv, stdout, stderr)
	case "list":
		return runEventsList(ctx, rest, getenv, stdout, stderr)
	case "resend":
		return runEventsResend(ctx, rest, getenv, stdout, stderr)
	}
	fmt.Fprint(stderr, eventsUsage)
	return fmt.Errorf("unknown subcommand %q of events", sub)
}

// eventsParseNoArgs parses flags of a subcommand that takes no arguments.
func eventsParseNoArgs(s *setting, args []string) error {
	if err := s.parse(args); err != nil {
		return err
	}
	if s.fs.NArg() != 0 {
		s.fs.Usage()
		return fmt.Errorf("unexpected argument %q", s.fs.Arg(0))
	}
	return nil
}

// eventsMaxBody is the largest callback body the receiver reads, as
// vodevent.Handler does.
const eventsMaxBody = 10 << 20

// runEventsListen runs a local push receiver until ctx ends.
func runEventsListen(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	s := newSettings("events listen", "events listen [--addr HOST:PORT] [--sign-key K] [--webhook-secret S] [--fail]", getenv, stderr)
	addr := s.String("addr", "OPENVOD_EVENTS_ADDR", "127.0.0.1:9999", "address to receive callbacks on (set the NotificationUrl to http://<addr>/)")
	signKey := s.String("sign-key", "OPENVOD_EVENTS_SIGN_KEY", "", "SignKey of the app: reject callbacks without a valid Sign and T (default: not checked)")
	secret := s.String("webhook-secret", "OPENVOD_EVENTS_WEBHOOK_SECRET", "", "Standard Webhooks secret (whsec_...): reject callbacks without valid webhook-* headers (default: not checked)")
	fail := s.Bool("fail", "OPENVOD_EVENTS_FAIL", false, "answer 500 to every valid callback, to watch the server retry")
	if err := eventsParseNoArgs(s, args); err != nil {
		return err
	}
	if *secret != "" {
		if _, err := vodevent.WebhookSign(*secret, "check", 0, nil); err != nil {
			return fmt.Errorf("--webhook-secret: %w", err)
		}
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	l := &eventsListener{signKey: *signKey, secret: *secret, fail: *fail, stdout: stdout, stderr: stderr}
	l.handler = &vodevent.Handler{SignKey: *signKey, WebhookSecret: *secret, Func: l.event}
	srv := &http.Server{Handler: l, ReadHeaderTimeout: 10 * time.Second}
	checks := "signatures not checked"
	if *signKey != "" || *secret != "" {
		checks = "checking " + l.checked()
	}
	fmt.Fprintf(stderr, "listening on http://%s/ (%s); Ctrl-C to stop\n", ln.Addr(), checks)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	srv.Shutdown(shutdownCtx)
	<-served
	return nil
}

// eventsListener prints the callbacks a vodevent.Handler accepts and
// reports those it rejects.
type eventsListener struct {
	handler        *vodevent.Handler
	signKey        string
	secret         string
	fail           bool
	mu             sync.Mutex // one event's lines are written together
	stdout, stderr io.Writer
}

// eventsReceived carries a callback's raw body to Handler.Func.
type eventsReceived struct {
	body    []byte
	header  http.Header
	handled bool
}

type eventsReceivedKey struct{}

// errEventsFail is what Func returns under --fail, so the Handler answers 500.
var errEventsFail = errors.New("--fail")

func (l *eventsListener) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Keep the raw body to print it as received, then let the Handler
	// read it again (it answers 413 past the same limit).
	body, err := io.ReadAll(io.LimitReader(r.Body, eventsMaxBody+1))
	if err != nil {
		http.Error(w, http.StatusText(http.StatusBadRequest), http.StatusBadRequest)
		l.reject(r, http.StatusBadRequest, "reading the body: "+err.Error())
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	got := &eventsReceived{body: body, header: r.Header}
	rec := &eventsStatusRecorder{ResponseWriter: w}
	l.handler.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), eventsReceivedKey{}, got)))
	if !got.handled {
		l.reject(r, rec.status, l.why(r, rec.status, body))
	}
}

// event is the Handler's Func: it prints one accepted callback.
func (l *eventsListener) event(ctx context.Context, e *vodevent.EventContent) error {
	got, _ := ctx.Value(eventsReceivedKey{}).(*eventsReceived)
	if got == nil {
		return errors.New("no request")
	}
	got.handled = true
	var line bytes.Buffer
	if err := json.Compact(&line, got.body); err != nil {
		return err // the Handler decoded it, so it is JSON
	}
	checks := "signature not checked"
	if l.signKey != "" || l.secret != "" {
		checks = "signature ok (" + l.checked() + ")"
	}
	answer := "answered 204"
	if l.fail {
		answer = "answered 500 (--fail)"
	}
	human := []string{time.Now().Format(time.DateTime), e.EventType}
	if subject := eventSubject(e); subject != "" {
		human = append(human, subject)
	}
	if id := got.header.Get(vodevent.WebhookIDHeader); id != "" {
		human = append(human, "webhook-id "+id)
	}
	human = append(human, checks, answer)

	l.mu.Lock()
	defer l.mu.Unlock()
	line.WriteByte('\n')
	l.stdout.Write(line.Bytes())
	fmt.Fprintln(l.stderr, strings.Join(human, "  "))
	if l.fail {
		return errEventsFail
	}
	return nil
}

// checked names the signatures the listener checks.
func (l *eventsListener) checked() string {
	var s []string
	if l.signKey != "" {
		s = append(s, "Sign/T")
	}
	if l.secret != "" {
		s = append(s, "webhook-signature")
	}
	return strings.Join(s, ", ")
}

// reject reports a callback the Handler refused.
func (l *eventsListener) reject(r *http.Request, status int, why string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(l.stderr, "%s  REJECTED %s %s from %s: answered %d: %s\n",
		time.Now().Format(time.DateTime), r.Method, r.URL.Path, r.RemoteAddr, status, why)
}

// why explains a status the Handler answered without calling Func.
func (l *eventsListener) why(r *http.Request, status int, body []byte) string {
	switch status {
	case http.StatusMethodNotAllowed:
		return "callbacks are POSTs"
	case http.StatusRequestEntityTooLarge:
		return "body over 10 MiB"
	case http.StatusBadRequest:
		return "body is not a JSON event (an object with EventType)"
	case http.StatusUnauthorized:
		now := time.Now()
		if l.secret != "" {
			if err := vodevent.WebhookVerify(l.secret, r.Header, body, now, vodevent.WebhookToleranceDefault); err != nil {
				return "bad Standard Webhooks signature: " + err.Error()
			}
		}
		var e struct {
			Sign string
			T    int64
		}
		json.Unmarshal(body, &e)
		switch {
		case e.Sign == "" || e.T == 0:
			return "no Sign and T in the body (is a SignKey configured on the server?)"
		case now.Unix() > e.T:
			return fmt.Sprintf("signature expired at T=%d", e.T)
		default:
			return "Sign does not match --sign-key"
		}
	}
	return http.StatusText(status)
}

// eventSubject names what an event is about, for the human line.
func eventSubject(e *vodevent.EventContent) string {
	switch {
	case e.FileUploadEvent != nil:
		return "FileId " + e.FileUploadEvent.FileId
	case e.FileDeleteEvent != nil:
		return "FileIds " + strings.Join(e.FileDeleteEvent.FileIdSet, ",")
	case e.PullCompleteEvent != nil:
		return "TaskId " + e.PullCompleteEvent.TaskId + " FileId " + e.PullCompleteEvent.FileId
	case e.ClipCompleteEvent != nil:
		return "TaskId " + e.ClipCompleteEvent.TaskId
	case e.PersistenceCompleteEvent != nil:
		return "FileId " + e.PersistenceCompleteEvent.FileId
	}
	return ""
}

// eventsStatusRecorder remembers the status a handler answered.
type eventsStatusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *eventsStatusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *eventsStatusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// runEventsPull pulls, prints and confirms events.
func runEventsPull(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	s := newSettings("events pull", "events pull [--follow] [--no-confirm] [flags]", getenv, stderr)
	cs := s.client()
	follow := s.fs.Bool("follow", false, "keep long-polling until interrupted (default: stop when a pull returns nothing)")
	noConfirm := s.fs.Bool("no-confirm", false, "do not confirm: the events are pulled again 30 s later")
	if err := eventsParseNoArgs(s, args); err != nil {
		return err
	}
	c, err := cs.newClient()
	if err != nil {
		return err
	}
	var pulled, confirmed int
	defer func() {
		fmt.Fprintf(stderr, "%d events pulled, %d confirmed\n", pulled, confirmed)
	}()
	var backoff time.Duration
	for {
		var resp struct{ EventSet []json.RawMessage }
		err := c.Call(ctx, "PullEvents", nil, &resp)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil && (!*follow || !eventsRetryable(err)):
			return err
		case err != nil:
			backoff = min(max(2*backoff, time.Second), time.Minute)
			fmt.Fprintf(stderr, "PullEvents: %v; retrying in %s\n", err, backoff)
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(backoff):
			}
			continue
		}
		backoff = 0
		if len(resp.EventSet) == 0 {
			if !*follow {
				return nil
			}
			continue
		}
		handles := make([]string, 0, len(resp.EventSet))
		for _, raw := range resp.EventSet {
			var line bytes.Buffer
			if err := json.Compact(&line, raw); err != nil {
				return fmt.Errorf("PullEvents: %w", err)
			}
			line.WriteByte('\n')
			if _, err := stdout.Write(line.Bytes()); err != nil {
				return err
			}
			pulled++
			var item struct{ EventHandle string }
			if json.Unmarshal(raw, &item) == nil && item.EventHandle != "" {
				handles = append(handles, item.EventHandle)
			}
		}
		if *noConfirm || len(handles) == 0 {
			continue
		}
		// Confirm what was printed even when interrupted meanwhile.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
		err = c.Call(cctx, "ConfirmEvents", map[string]any{"EventHandles": handles}, nil)
		cancel()
		switch {
		case err == nil:
			confirmed += len(handles)
		case *follow:
			fmt.Fprintf(stderr, "ConfirmEvents: %v; the events will be pulled again\n", err)
		default:
			return fmt.Errorf("ConfirmEvents: %w", err)
		}
	}
}

// eventsRetryable reports whether a failed call may succeed when repeated: a
// transport error, or an API error of the server's state rather than of the
// request.
func eventsRetryable(err error) bool {
	re, ok := errors.AsType[*vodevent.APIError](err)
	if !ok {
		return true
	}
	for _, code := range []string{"InternalError", "RequestLimitExceeded", "ResourceUnavailable"} {
		if re.Code == code || strings.HasPrefix(re.Code, code+".") {
			return true
		}
	}
	return false
}

// runEventsConfig prints the event configuration, after changing the
// fields given.
func runEventsConfig(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	s := newSettings("events config",
		"events config [--mode PUSH|PULL] [--url URL] [--upload-switch ON|OFF] [--delete-switch ON|OFF]\n"+
			"                      [--persistence-switch ON|OFF] [--sign-key K] [--webhook-secret S|new] [flags]\n\n"+
			"Without change flags it prints the configuration (DescribeEventConfig). With them it sends\n"+
			"ModifyEventConfig with only the fields given, then prints the result. The change flags are\n"+
			"read from the command line only; --url \"\", --sign-key \"\" and --webhook-secret \"\" clear.\n"+
			"DescribeEventConfig does not show the SignKey or the WebhookSecret.",
		getenv, stderr)
	cs := s.client()
	changes := []struct {
		flag, param string
		upper       bool
		v           *string
	}{
		{"mode", "Mode", true, s.fs.String("mode", "", "PUSH (callbacks to --url) or PULL (PullEvents)")},
		{"url", "NotificationUrl", false, s.fs.String("url", "", "NotificationUrl: where PUSH mode POSTs events")},
		{"upload-switch", "UploadMediaCompleteEventSwitch", true, s.fs.String("upload-switch", "", "ON or OFF: NewFileUpload events")},
		{"delete-switch", "DeleteMediaCompleteEventSwitch", true, s.fs.String("delete-switch", "", "ON or OFF: FileDeleted events")},
		{"persistence-switch", "PersistenceCompleteEventSwitch", true, s.fs.String("persistence-switch", "", "ON or OFF: PersistenceComplete events")},
		{"sign-key", "SignKey", false, s.fs.String("sign-key", "", "SignKey: pushes carry Sign=md5(SignKey+T) and T (up to 32 letters and digits)")},
		{"webhook-secret", "WebhookSecret", false, s.fs.String("webhook-secret", "", `Standard Webhooks secret (whsec_...), or "new" to generate one and print it once`)},
	}
	if err := eventsParseNoArgs(s, args); err != nil {
		return err
	}
	given := map[string]bool{}
	s.fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	params := map[string]any{}
	var newSecret string
	for _, ch := range changes {
		if !given[ch.flag] {
			continue
		}
		v := *ch.v
		if ch.upper {
			v = strings.ToUpper(v)
		}
		if ch.flag == "webhook-secret" && v == "new" {
			newSecret = vodevent.NewWebhookSecret()
			v = newSecret
		}
		params[ch.param] = v
	}
	c, err := cs.newClient()
	if err != nil {
		return err
	}
	if len(params) > 0 {
		if err := c.Call(ctx, "ModifyEventConfig", params, nil); err != nil {
			return err
		}
		if newSecret != "" {
			fmt.Fprintf(stdout, "WebhookSecret: %s\n", newSecret)
			fmt.Fprintln(stderr, "(the WebhookSecret is shown only now: give it to your receiver, e.g. openvod events listen --webhook-secret)")
		}
	}
	return callAndPrint(ctx, c, "DescribeEventConfig", nil, stdout)
}

// runEventsDeliveries prints the push attempt log as a table.
func runEventsDeliveries(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	s := newSettings("events deliveries", "events deliveries [--event-id ID] [--limit N] [flags]", getenv, stderr)
	cs := s.client()
	eventID := s.fs.String("event-id", "", "only the attempts of this event")
	limit := s.fs.Int("limit", 20, "most attempts shown, newest first (1 to 100)")
	if err := eventsParseNoArgs(s, args); err != nil {
		return err
	}
	c, err := cs.newClient()
	if err != nil {
		return err
	}
	var resp struct {
		DeliverySet []struct {
			EventId, EventType, Time, Url, Error string
			StatusCode                           int
			LatencyMs                            float64
		}
	}
	params := map[string]any{"Limit": *limit}
	if *eventID != "" {
		params["EventId"] = *eventID
	}
	if err := c.Call(ctx, "DescribeEventDeliveries", params, &resp); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tEVENT ID\tTYPE\tSTATUS\tLATENCY MS\tERROR")
	for _, d := range resp.DeliverySet {
		status := "-"
		if d.StatusCode != 0 {
			status = strconv.Itoa(d.StatusCode)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%.1f\t%s\n", eventsTime(d.Time), d.EventId, d.EventType, status, d.LatencyMs, eventsOneLine(d.Error))
	}
	return tw.Flush()
}

// runEventsList prints the events the server keeps (DescribeEvents).
func runEventsList(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	s := newSettings("events list", "events list [--state push|pull|done] [--after-seq N] [--limit N] [flags]", getenv, stderr)
	cs := s.client()
	state := s.fs.String("state", "", "only events in this state: push (being pushed), pull (waiting to be pulled) or done")
	afterSeq := s.fs.Int64("after-seq", 0, "only events after this Seq, to page through")
	limit := s.fs.Int("limit", 20, "most events shown, oldest first (1 to 100)")
	if err := eventsParseNoArgs(s, args); err != nil {
		return err
	}
	c, err := cs.newClient()
	if err != nil {
		return err
	}
	var resp struct {
		EventSet []struct {
			Seq                                   int64
			EventId, EventType, CreateTime, State string
			Attempts, Pulls                       int64
		}
	}
	params := map[string]any{"State": strings.ToLower(*state), "AfterSeq": *afterSeq, "Limit": *limit}
	if err := c.Call(ctx, "DescribeEvents", params, &resp); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SEQ\tEVENT ID\tTYPE\tSTATE\tATTEMPTS\tPULLS\tCREATED")
	for _, e := range resp.EventSet {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%d\t%s\n", e.Seq, e.EventId, e.EventType, e.State, e.Attempts, e.Pulls, e.CreateTime)
	}
	return tw.Flush()
}

// runEventsResend queues events for delivery again.
func runEventsResend(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	s := newSettings("events resend", "events resend [flags] EVENTID...", getenv, stderr)
	cs := s.client()
	if err := s.parse(args); err != nil {
		return err
	}
	ids := s.fs.Args()
	if len(ids) == 0 {
		s.fs.Usage()
		return errors.New("give at least one EVENTID")
	}
	c, err := cs.newClient()
	if err != nil {
		return err
	}
	var resp struct{ NotExistEventIdSet []string }
	if err := c.Call(ctx, "ResendEvents", map[string]any{"EventIds": ids}, &resp); err != nil {
		return err
	}
	missing := map[string]bool{}
	for _, id := range resp.NotExistEventIdSet {
		missing[id] = true
	}
	for _, id := range ids {
		if !missing[id] {
			fmt.Fprintf(stdout, "resent %s\n", id)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("no such event: %s", strings.Join(resp.NotExistEventIdSet, ", "))
	}
	return nil
}

// eventsTime shows an RFC 3339 time to the millisecond.
func eventsTime(s string) string {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return s
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// eventsOneLine keeps a table row on one line.
func eventsOneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
