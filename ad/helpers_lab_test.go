package ad_test

import "github.com/adkit-dev/adkit/internal/secret"

func secretOf(s string) secret.Secret { return secret.New(s) }
