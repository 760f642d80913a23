package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// runClip starts a ClipVideo task and, with --wait, follows it with
// DescribeTaskDetail (never the app's event queue) until it finishes.
func runClip(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	s := newSettings("clip", "clip FILEID [--start S] [--end E] [--exact] [--wait]", getenv, stderr)
	cs := s.client()
	start := s.fs.Float64("start", 0, "start, in seconds (negative: before the end)")
	end := s.fs.Float64("end", 0, "end, in seconds (0: the end of the media; negative: before the end)")
	exact := s.fs.Bool("exact", false, "re-encode with ffmpeg for an exact start on any frame (default: Fast, the Go stream-copy cutter)")
	showLeadIn := s.fs.Bool("show-lead-in", false, "start the file at the keyframe, with nothing hidden by an edit list")
	name := s.fs.String("name", "", "media name of the clip")
	wait := s.fs.Bool("wait", false, "wait for the task to finish and print the result")
	var fileID string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		fileID, args = args[0], args[1:]
	}
	if err := s.parse(args); err != nil {
		return err
	}
	if fileID == "" && s.fs.NArg() == 1 {
		fileID = s.fs.Arg(0)
	}
	if fileID == "" {
		s.fs.Usage()
		return errors.New("give the FILEID of the source")
	}
	c, err := cs.newClient()
	if err != nil {
		return err
	}
	params := map[string]any{"FileId": fileID, "StartTimeOffset": *start, "EndTimeOffset": *end, "HideLeadIn": !*showLeadIn}
	if *exact {
		params["Precision"] = "Exact"
	}
	if *name != "" {
		params["MediaName"] = *name
	}
	var started struct{ TaskId string }
	if err := c.Call(ctx, "ClipVideo", params, &started); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "TaskId: %s\n", started.TaskId)
	if !*wait {
		return nil
	}
	for {
		var d struct {
			Status   string
			ClipTask struct {
				FileInfo *struct {
					ErrCode                  int64
					Message, FileId, FileUrl string
				}
				Precision                            string
				EffectiveStartTime, EffectiveEndTime *float64
				HiddenLeadIn                         float64
				Progress                             int64
			}
		}
		if err := c.Call(ctx, "DescribeTaskDetail", map[string]any{"TaskId": started.TaskId}, &d); err != nil {
			return err
		}
		if d.Status == "FINISH" {
			ct, info := d.ClipTask, d.ClipTask.FileInfo
			if info.ErrCode != 0 {
				return fmt.Errorf("clip failed (ErrCode %d): %s", info.ErrCode, info.Message)
			}
			fmt.Fprintf(stdout, "FileId:    %s\nFileUrl:   %s\nPrecision: %s\nCut:       %.3fs to %.3fs (lead-in hidden: %.3fs)\n",
				info.FileId, info.FileUrl, ct.Precision, *ct.EffectiveStartTime, *ct.EffectiveEndTime, ct.HiddenLeadIn)
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}
