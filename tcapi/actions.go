package tcapi

// actionTable lists every action openvod serves. Each group lives in its
// own file: upload.go, media.go, search.go, tasks.go, process.go,
// events.go, deliveries.go, templates.go, account.go.
func (a *API) actionTable() map[string]action {
	table := map[string]action{
		"ApplyUpload":        a.applyUpload,
		"CommitUpload":       a.commitUpload,
		"PullUpload":         a.pullUpload,
		"DescribeMediaInfos": a.describeMediaInfos,
		"DeleteMedia":        a.deleteMedia,
		"DescribeTaskDetail": a.describeTaskDetail,
		"DescribeTasks":      a.describeTasks,
		"SearchMedia":        a.searchMedia, // search.go

		"DescribeSubAppIds": a.describeSubAppIds, // account.go
		"CreateSubAppId":    a.createSubAppId,

		"SimpleHlsClip": a.simpleHlsClip, // hlsclip.go

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
		"SendTestEvent":           a.sendTestEvent,
		"DescribeApiKeys":         a.describeApiKeys, // account.go
		"CreateApiKey":            a.createApiKey,
		"DisableApiKey":           a.disableApiKey,
	}
	a.templateActions(table)  // templates.go
	a.watermarkActions(table) // watermark.go
	return table
}
