package onboarding

import (
	"reflect"
	"strings"
	"testing"

	"github.com/go-ldap/ldap/v3"
)

func TestASCIIFold(t *testing.T) {
	tests := map[string]string{
		"José":             "jose",
		"Müller":           "muller",
		"Zoë":              "zoe",
		"Ødegård":          "odegard",
		"O'Brien":          "obrien",
		"Smith, Jr.":       "smithjr",
		"Jean-Luc":         "jeanluc",
		"Mary Ann":         "maryann",
		"Straße":           "strasse",
		"Æsa Œdipe":        "aesaoedipe",
		"Łukasz Đorđe":     "lukaszdorde",
		"Þór Ðiðrik":       "thordidrik",
		"Yıldız İnce":      "yildizince",
		"Ñúñez Çelik":      "nunezcelik",
		"ﬁnn":              "finn", // a ligature, folded by NFKD
		"Ｓａｔｏ":             "sato", // full-width letters
		"Иван":             "",     // no ASCII form: the caller refuses the pattern
		"d\u0301ecomposed": "decomposed",
	}
	for in, want := range tests {
		if got := asciiFold(in); got != want {
			t.Errorf("asciiFold(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestUsernameCandidates(t *testing.T) {
	gen := func(max int, patterns ...string) nameGenerator {
		g := nameGenerator{max: max}
		for _, p := range patterns {
			c, err := compilePattern(p)
			if err != nil {
				t.Fatal(err)
			}
			g.patterns = append(g.patterns, c)
		}
		return g
	}
	row := func(given, surname, preferred string) nameParts {
		return partsOf(&Row{GivenName: given, Surname: surname, PreferredName: preferred, EmployeeID: "E-42"})
	}
	spec := gen(20, "{first:1}{last}", "{first}.{last}")

	tests := []struct {
		name  string
		g     nameGenerator
		parts nameParts
		round int
		want  []string
	}{
		{"spec patterns then numbers", spec, row("José", "Müller", ""), 0,
			[]string{"jmuller", "jose.muller", "jmuller2", "jmuller3", "jmuller4", "jmuller5", "jmuller6", "jmuller7", "jmuller8", "jmuller9"}},
		{"second round", spec, row("Al", "Li", ""), 1, numbered("ali", 10, 99)},
		{"truncated to max_length", spec, row("Maximilian", "Oberhausen-Wittgenstein", ""), 0,
			[]string{"moberhausenwittgenst", "maximilian.oberhause", "moberhausenwittgens2", "moberhausenwittgens3", "moberhausenwittgens4",
				"moberhausenwittgens5", "moberhausenwittgens6", "moberhausenwittgens7", "moberhausenwittgens8", "moberhausenwittgens9"}},
		{"a cut never ends in a dot", gen(6, "{first}.{last}"), row("Anna", "Lee", ""), 0,
			[]string{"anna.l", "anna2", "anna3", "anna4", "anna5", "anna6", "anna7", "anna8", "anna9"}},
		{"preferred name", gen(20, "{preferred}.{last}"), row("Robert", "Smith, Jr.", "Bob"), 0, append([]string{"bob.smithjr"}, numbered("bob.smithjr", 2, 9)...)},
		{"preferred falls back to first", gen(20, "{preferred:3}{last:3}"), row("Robert", "Smith", ""), 0, append([]string{"robsmi"}, numbered("robsmi", 2, 9)...)},
		{"employee ID", gen(20, "u{employee_id}"), row("A", "B", ""), 0, append([]string{"ue42"}, numbered("ue42", 2, 9)...)},
		{"patterns giving the same name are tried once", gen(20, "{first:1}{last}", "{preferred:1}{last}"), row("Jo", "Li", ""), 0,
			append([]string{"jli"}, numbered("jli", 2, 9)...)},
		{"a pattern with nothing to fill is skipped", spec, row("Иван", "Smith", ""), 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.g.candidates(tt.g.bases(tt.parts), tt.round)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("candidates = %q\nwant         %q", got, tt.want)
			}
		})
	}
}

func numbered(base string, from, to int) []string {
	var out []string
	for n := from; n <= to; n++ {
		out = append(out, numberedName(base, n, 20))
	}
	return out
}

func TestDisplayNameKeepsAccents(t *testing.T) {
	tests := []struct {
		row  Row
		want string
	}{
		{Row{GivenName: "José", Surname: "Müller"}, "José Müller"},
		{Row{GivenName: "Robert", Surname: "Smith, Jr.", PreferredName: "Bob"}, "Bob Smith, Jr."},
		{Row{GivenName: "Zoë", Surname: "Ødegård"}, "Zoë Ødegård"},
	}
	for _, tt := range tests {
		if got := displayName(&tt.row); got != tt.want {
			t.Errorf("displayName(%+v) = %q, want %q", tt.row, got, tt.want)
		}
	}
}

func TestUserDNEscaping(t *testing.T) {
	const ou = "OU=Staff,DC=corp,DC=example,DC=com"
	tests := []struct {
		cn   string
		want string
	}{
		{"Bob Smith, Jr.", `CN=Bob Smith\, Jr.,` + ou},
		{"A+B", `CN=A\+B,` + ou},
		{`Dwayne "The Rock" Johnson`, `CN=Dwayne \"The Rock\" Johnson,` + ou},
		{"#1 Fan", `CN=\#1 Fan,` + ou},
		{" Leading", `CN=\ Leading,` + ou},
		{"Trailing ", `CN=Trailing\ ,` + ou},
		{`Back\slash; <x>`, `CN=Back\\slash\; \<x\>,` + ou},
		{"a=b", `CN=a\=b,` + ou},
		{"Zoë Ødegård", "CN=Zoë Ødegård," + ou},
	}
	for _, tt := range tests {
		got := userDN(tt.cn, ou)
		if got != tt.want {
			t.Errorf("userDN(%q) = %q, want %q", tt.cn, got, tt.want)
		}
		// Whatever the escaping, an LDAP parser must read back exactly the name and the OU.
		parsed, err := ldap.ParseDN(got)
		if err != nil {
			t.Errorf("ParseDN(%q): %v", got, err)
			continue
		}
		if len(parsed.RDNs) != 5 || parsed.RDNs[0].Attributes[0].Type != "CN" || parsed.RDNs[0].Attributes[0].Value != tt.cn {
			t.Errorf("%q parses to %+v, want CN %q and the 4 RDNs of the OU", got, parsed.RDNs[0].Attributes, tt.cn)
		}
	}
}

func TestCommonNameLength(t *testing.T) {
	long := strings.Repeat("Å", 70)
	if got := []rune(commonName(long)); len(got) != cnMaxLength {
		t.Errorf("commonName is %d characters, want %d", len(got), cnMaxLength)
	}
	with := commonNameWith(long, "jsmith2")
	if len([]rune(with)) != cnMaxLength || !strings.HasSuffix(with, " (jsmith2)") {
		t.Errorf("commonNameWith = %q (%d characters)", with, len([]rune(with)))
	}
	if got := commonNameWith("John Smith", "jsmith2"); got != "John Smith (jsmith2)" {
		t.Errorf("commonNameWith = %q", got)
	}
}
