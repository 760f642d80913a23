// Package vodevent holds the wire types of Tencent Cloud VOD event
// notifications (API 3.0, version 2018-07-17) as openvod sends them: the
// media structures and the task structures carried by events.
//
// Field order follows the official SDK models, so encoding/json writes the
// keys in the order Tencent documents. The package depends on the standard
// library only and can be imported by application backends on its own.
package vodevent
