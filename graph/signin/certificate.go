package signin

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"time"

	"golang.org/x/crypto/pkcs12"
)

// Certificate is an app registration's certificate and its private key.
type Certificate struct {
	cert *x509.Certificate
	key  *rsa.PrivateKey
}

var errEncryptedKey = errors.New("the private key is encrypted: decrypt it, or use a PKCS#12 file and AZURE_CLIENT_CERTIFICATE_PASSWORD")

// assertionLifetime is how long a client assertion is valid: the identity platform asks
// for "5-10 minutes" at most.
const assertionLifetime = 10 * time.Minute

// ParseCertificate reads a certificate and its private key from a PEM file (the certificate
// and an unencrypted PKCS#1 or PKCS#8 key) or a PKCS#12 (.pfx) file with password. The key
// must be RSA, as Entra ID requires, and must belong to the certificate: a mismatch would
// otherwise only show as a refusal from the service.
func ParseCertificate(data, password []byte) (Certificate, error) {
	var blocks []*pem.Block
	if bytes.Contains(data, []byte("-----BEGIN")) {
		for rest := data; ; {
			var b *pem.Block
			if b, rest = pem.Decode(rest); b == nil {
				break
			}
			blocks = append(blocks, b)
		}
	} else {
		var err error
		if blocks, err = pkcs12.ToPEM(data, string(password)); err != nil {
			return Certificate{}, fmt.Errorf("not PEM, and not PKCS#12 that this password opens: %w", err)
		}
	}
	var c Certificate
	for _, b := range blocks {
		switch b.Type {
		case "CERTIFICATE":
			cert, err := x509.ParseCertificate(b.Bytes)
			if err != nil {
				return Certificate{}, fmt.Errorf("certificate: %w", err)
			}
			if c.cert == nil {
				c.cert = cert // the first is the app's own; any others are its chain
			}
		case "ENCRYPTED PRIVATE KEY":
			return Certificate{}, errEncryptedKey
		case "RSA PRIVATE KEY", "PRIVATE KEY":
			if _, encrypted := b.Headers["DEK-Info"]; encrypted {
				return Certificate{}, errEncryptedKey
			}
			key, err := parseRSAKey(b)
			if err != nil {
				return Certificate{}, err
			}
			c.key = key
		case "EC PRIVATE KEY":
			return Certificate{}, errors.New("the private key is an EC key: Entra ID signs apps in with RSA certificates only")
		}
	}
	switch {
	case c.cert == nil:
		return Certificate{}, errors.New("no certificate in the file")
	case c.key == nil:
		return Certificate{}, errors.New("no private key in the file")
	}
	pub, ok := c.cert.PublicKey.(*rsa.PublicKey)
	if !ok || !pub.Equal(&c.key.PublicKey) {
		return Certificate{}, errors.New("the private key does not belong to the certificate")
	}
	return c, nil
}

func parseRSAKey(b *pem.Block) (*rsa.PrivateKey, error) {
	if b.Type == "RSA PRIVATE KEY" {
		k, err := x509.ParsePKCS1PrivateKey(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("private key: %w", err)
		}
		return k, nil
	}
	k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		// PKCS#12 files converted by pkcs12.ToPEM label PKCS#1 keys "PRIVATE KEY".
		if k1, err1 := x509.ParsePKCS1PrivateKey(b.Bytes); err1 == nil {
			return k1, nil
		}
		return nil, fmt.Errorf("private key: %w", err)
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("the private key is %T: Entra ID signs apps in with RSA certificates only", k)
	}
	return rk, nil
}

// assertion is the signed JWT the identity platform documents for certificate credentials:
// PS256, the certificate named by its SHA-256 thumbprint (x5t#S256), the app as issuer and
// subject, the token endpoint as audience, valid from now for assertionLifetime.
func (c Certificate) assertion(clientID, audience string, now time.Time) (string, error) {
	thumb := sha256.Sum256(c.cert.Raw)
	header, err := json.Marshal(map[string]string{
		"alg": "PS256", "typ": "JWT", "x5t#S256": base64.RawURLEncoding.EncodeToString(thumb[:]),
	})
	if err != nil {
		return "", err
	}
	jti := make([]byte, 16)
	if _, err := rand.Read(jti); err != nil {
		return "", err
	}
	claims, err := json.Marshal(map[string]any{
		"aud": audience, "iss": clientID, "sub": clientID, "jti": hex.EncodeToString(jti),
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(assertionLifetime).Unix(),
	})
	if err != nil {
		return "", err
	}
	signed := base64.RawURLEncoding.EncodeToString(header) + "." + base64.RawURLEncoding.EncodeToString(claims)
	sum := sha256.Sum256([]byte(signed))
	sig, err := rsa.SignPSS(rand.Reader, c.key, crypto.SHA256, sum[:], &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	if err != nil {
		return "", err
	}
	return signed + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}
