package fakehost

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestPEM makes a self-signed certificate and its key as PEM text.
func TestPEM(t testing.TB) (cert, key string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "www.example.test"},
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour), DNSNames: []string{"www.example.test"}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kd, _ := x509.MarshalPKCS8PrivateKey(k)
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kd}))
}

// HTTPS is Debian with the modules HTTPS and proxying load and
// certificates in /srv/app (server.crt/.key, ca.crt, other.key).
func HTTPS(t testing.TB) Layout {
	l := Debian()
	for _, m := range []string{"ssl", "socache_shmcb", "headers", "proxy", "proxy_http", "proxy_wstunnel", "http2"} {
		l.Files["/usr/lib/apache2/modules/mod_"+m+".so"] = ""
	}
	cert, key := TestPEM(t)
	ca, otherKey := TestPEM(t)
	l.Files["/srv/app/server.crt"], l.Files["/srv/app/server.key"] = cert, key
	l.Files["/srv/app/ca.crt"], l.Files["/srv/app/other.key"] = ca, otherKey
	l.Files["/srv/app/secret.key"] = "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n"
	return l
}

// Site is Debian with the modules the static file, access and feature
// options load, a bash, and the scripts and files those options name.
func Site() Layout {
	l := Debian()
	for _, m := range []string{"autoindex", "authn_core", "authz_user", "auth_basic", "auth_digest", "filter", "deflate", "status", "cgid", "cgi"} {
		l.Files["/usr/lib/apache2/modules/mod_"+m+".so"] = ""
	}
	for _, f := range []string{"/bin/bash", "/srv/app/handler.py", "/srv/app/access.py", "/srv/app/users.py", "/srv/app/groups.py",
		"/srv/app/extra.conf", "/srv/app/rules.conf", "/srv/app/env.sh", "/srv/app/tasks.py"} {
		l.Files[f] = ""
	}
	l.Files["/srv/app/sock/"] = ""
	l.Files["/srv/app/lib:old/"] = ""
	return l
}

// NewerModule is Debian with a mod_wsgi whose version string reads
// version (such as 6.0.0; the stand-in module's is 4.9.4), and rotatelogs
// installed.
func NewerModule(t testing.TB, version string) Host {
	l := Debian()
	l.Files["/usr/bin/rotatelogs"] = "#!/bin/sh\n"
	h := New(t, l, 0)
	data := bytes.Replace(ELF(t, "mod_wsgi-py311.so"), []byte("4.9.4\x00"), []byte(version+"\x00"), 1)
	if err := os.WriteFile(filepath.Join(h.Root, "/usr/lib/apache2/modules/mod_wsgi.so-3.11"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	return h
}
