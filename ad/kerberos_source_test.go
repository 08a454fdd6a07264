package ad

import "testing"

// --kerberos on a Windows desk uses the logon session (SSPI) unless a ticket cache is named;
// elsewhere it is always the ticket cache. The SSPI bind itself needs a Windows DC and a
// domain-joined machine, which the lab is not (docs/windows.md says what was tested).
func TestChooseKerberosSource(t *testing.T) {
	cases := []struct {
		name  string
		goos  string
		cache string // cfg.KerberosCache
		env   string // KRB5CCNAME
		want  kerberosSource
	}{
		{"windows, nothing named", "windows", "", "", fromSSPI},
		{"windows, KRB5CCNAME", "windows", "", `FILE:C:\Users\jd\krb5cc`, fromCCache},
		{"windows, cache in the config", "windows", `C:\Users\jd\krb5cc`, "", fromCCache},
		{"linux", "linux", "", "", fromCCache},
		{"linux, KRB5CCNAME", "linux", "", "FILE:/tmp/krb5cc_1000", fromCCache},
		{"darwin", "darwin", "", "", fromCCache},
	}
	for _, c := range cases {
		getenv := func(k string) string {
			if k == "KRB5CCNAME" {
				return c.env
			}
			return ""
		}
		if got := chooseKerberosSource(c.goos, Config{KerberosCache: c.cache}, getenv); got != c.want {
			t.Errorf("%s: source = %d, want %d", c.name, got, c.want)
		}
	}
}
