package tcapi

import "github.com/openvod/openvod/vodevent"

// Algorithm is the only signature algorithm openvod accepts.
const Algorithm = vodevent.TC3Algorithm

// SignInput is everything a TC3-HMAC-SHA256 signature covers.
type SignInput = vodevent.TC3SignInput

// Sign computes the lowercase hex TC3-HMAC-SHA256 signature of in; the
// algorithm lives in the public vodevent package, which app developers'
// pullers use too, so that there is one implementation.
func Sign(in SignInput) string { return vodevent.TC3Sign(in) }

// PayloadHash returns the lowercase hex SHA-256 of body.
func PayloadHash(body []byte) string { return vodevent.TC3PayloadHash(body) }
