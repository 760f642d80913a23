module github.com/openvod/openvod/sdktest/gosdk

go 1.26

require github.com/tencentcloud/tencentcloud-sdk-go v1.0.162
