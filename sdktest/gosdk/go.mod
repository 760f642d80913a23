module github.com/openvod/openvod/sdktest/gosdk

go 1.26

// The SDK's single module, whose newest version on the module proxy
// (v1.0.162, 2021) has the typed VOD client: the per-product module
// .../tencentcloud/vod is not served by the proxy openvod's build machines
// reach. The package paths, and so the README's example, are the same in
// both.
require github.com/tencentcloud/tencentcloud-sdk-go v1.0.162
