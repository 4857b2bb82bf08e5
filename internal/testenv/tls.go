package testenv

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"testing"
	"time"
)

// Cert is a certificate and its key written as PEM files.
type Cert struct {
	CertFile, KeyFile string
	X509              *x509.Certificate
	Key               *ecdsa.PrivateKey
	TLS               tls.Certificate
}

// Pool is a certificate pool holding only c.
func (c *Cert) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(c.X509)
	return p
}

// WriteCert makes a certificate for localhost and 127.0.0.1 (plus names),
// signed by ca, or self-signed when ca is nil, and writes it to certFile
// and keyFile. Files are readable by everyone, as
// Apache reads them before dropping privileges anyway.
func WriteCert(t testing.TB, certFile, keyFile string, ca *Cert, names ...string) *Cert {
	t.Helper()
	return writeCert(t, certFile, keyFile, ca, false, names)
}

// WriteCA makes a self-signed CA certificate, to sign others with
// WriteCert.
func WriteCA(t testing.TB, certFile, keyFile string) *Cert {
	t.Helper()
	return writeCert(t, certFile, keyFile, nil, true, nil)
}

func writeCert(t testing.TB, certFile, keyFile string, ca *Cert, isCA bool, names []string) *Cert {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "localhost", Organization: []string{"mod_wsgi-express tests"}},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		DNSNames:     append([]string{"localhost"}, names...),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
	}
	parent, signer := tmpl, key
	tmpl.IsCA, tmpl.BasicConstraintsValid = isCA, true
	if !isCA {
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	}
	if ca != nil {
		tmpl.Subject.CommonName = "client"
		parent, signer = ca.X509, ca.Key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, signer)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	WriteFile(t, certFile, string(certPEM))
	WriteFile(t, keyFile, string(keyPEM))
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(keyFile, 0o644); err != nil {
		t.Fatal(err)
	}
	return &Cert{CertFile: certFile, KeyFile: keyFile, X509: cert, Key: key, TLS: pair}
}

// HTTPSClient trusts only roots, follows no redirects and, with h2, tries
// HTTP/2.
func HTTPSClient(roots *x509.CertPool, h2 bool) *http.Client {
	tr := &http.Transport{
		TLSClientConfig:   &tls.Config{RootCAs: roots},
		ForceAttemptHTTP2: h2,
	}
	return &http.Client{Timeout: 30 * time.Second, Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}
