package tcapi

// actionTable lists every action openvod serves. Each group lives in its
// own file: upload.go, media.go, tasks.go, process.go, events.go,
// deliveries.go, templates.go.
func (a *API) actionTable() map[string]action {
	table := map[string]action{
		"ApplyUpload":        a.applyUpload,
		"CommitUpload":       a.commitUpload,
		"PullUpload":         a.pullUpload,
		"DescribeMediaInfos": a.describeMediaInfos,
		"DeleteMedia":        a.deleteMedia,
		"DescribeTaskDetail": a.describeTaskDetail,

		"SimpleHlsClip": a.simpleHlsClip, // hlsclip.go
		"EditMedia":     a.editMedia,     // edit.go
		"FastEditMedia": a.fastEditMedia,

		"ProcessMedia":            a.processMedia,
		"ProcessMediaByProcedure": a.processMediaByProcedure,

		"ModifyEventConfig":   a.modifyEventConfig,
		"DescribeEventConfig": a.describeEventConfig,
		"PullEvents":          a.pullEvents,
		"ConfirmEvents":       a.confirmEvents,
		"DescribeEventsState": a.describeEventsState,
		// Extensions.
		"DescribeEventDeliveries": a.describeEventDeliveries,
		"DescribeEvents":          a.describeEvents,
		"ResendEvents":            a.resendEvents,
		"ClipVideo":               a.clipVideo,
		"ConcatVideo":             a.concatVideo,
		// 2017-style task actions (task2017.go).
		"ConvertVodFile":             a.convertVodFile,
		"CreateImageSprite":          a.createImageSprite,
		"CreateSnapshotByTimeOffset": a.createSnapshotByTimeOffset,
	}
	a.templateActions(table)  // templates.go
	a.watermarkActions(table) // watermark.go
	return table
}
