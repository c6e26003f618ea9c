/**
 * The sandbox API server's TLS identity: a fixed self-signed certificate for 127.0.0.1, ::1 and
 * localhost (valid 2000–2100), shipped in the source on purpose. TLS here is not about secrecy
 * (the key is public): kubectl sends a kubeconfig's bearer token only over https, and the token
 * is what keeps other local software and web pages out. The kubeconfig pins this certificate as
 * its certificate authority, so clients verify the server instead of skipping verification.
 */
export const SANDBOX_CERT = `-----BEGIN CERTIFICATE-----
MIIBqTCCAU6gAwIBAgIBATAKBggqhkjOPQQDAjAYMRYwFAYDVQQDDA1mbGFyZS1z
YW5kYm94MCAXDTAwMDEwMTAwMDAwMFoYDzIxMDAwMTAxMDAwMDAwWjAYMRYwFAYD
VQQDDA1mbGFyZS1zYW5kYm94MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEqVAc
Vx58KSvvNjBIFypqxzKTJwt2xFuQeUOtINhkGFEaobvFTXdbovBBhWoMYHyB6Jtw
S6yeamIwvkBvTWLkOqOBhjCBgzAsBgNVHREEJTAjhwR/AAABgglsb2NhbGhvc3SH
EAAAAAAAAAAAAAAAAAAAAAEwDwYDVR0TAQH/BAUwAwEB/zAOBgNVHQ8BAf8EBAMC
AoQwEwYDVR0lBAwwCgYIKwYBBQUHAwEwHQYDVR0OBBYEFAhbJlP3Lf90foHWHMZn
y24QLYN7MAoGCCqGSM49BAMCA0kAMEYCIQCrxBKWNCjGRicamwJQyWZaLFl3fbNS
ySOn0WIv5nhyCQIhAJ65J1uflhByDRduGa+BjsjixIyZ+IYB9AuAZWueDzqi
-----END CERTIFICATE-----
`;

export const SANDBOX_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgXSlTPT+ak8b7Nhdh
Cr+CZijXrWdCLpyPev8l9fPi9L6hRANCAASpUBxXHnwpK+82MEgXKmrHMpMnC3bE
W5B5Q60g2GQYURqhu8VNd1ui8EGFagxgfIHom3BLrJ5qYjC+QG9NYuQ6
-----END PRIVATE KEY-----
`;
