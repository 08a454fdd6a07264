package check

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
)

//go:embed report.html.tmpl
var reportTemplate string

// WriteHTML writes the report as one self-contained HTML file: styles, script and the chart
// are inline and nothing is fetched from anywhere, so the file can be mailed, attached to a
// ticket or opened on an air-gapped admin workstation. html/template escapes every value
// taken from the directory.
func WriteHTML(w io.Writer, r *Report) error {
	tmpl, err := template.New("report").Parse(reportTemplate)
	if err != nil {
		return fmt.Errorf("write html: %w", err)
	}
	if err := tmpl.Execute(w, newHTMLView(r)); err != nil {
		return fmt.Errorf("write html: %w", err)
	}
	return nil
}

type htmlView struct {
	Directory string
	Generated string
	Summary   string
	Total     int
	Warnings  []string
	Cards     []htmlCard
	Chart     htmlChart
	Findings  []htmlFinding
}

type htmlCard struct {
	Severity string
	Count    int
	Objects  int
}

type htmlFinding struct {
	Finding
	Severity string
	Rows     []htmlRow
	// HasPaths: some object has a membership path, so the table shows the column.
	HasPaths bool
}

type htmlRow struct {
	Object
	Steps []htmlStep
}

type htmlStep struct{ Name, DN string }

// htmlChart is a horizontal bar chart of findings by severity, laid out here so the
// template only places shapes.
type htmlChart struct {
	Width, Height int
	Bars          []htmlBar
}

type htmlBar struct {
	Severity           string
	Count              int
	Y, Width, TextY    int
	LabelX, BarX, NumX int
}

func newHTMLView(r *Report) htmlView {
	v := htmlView{
		Directory: r.Directory,
		Generated: r.GeneratedAt.UTC().Format("2006-01-02 15:04 MST"),
		Summary:   summaryText(r.Summary),
		Total:     r.Summary.Total(),
		Warnings:  r.Warnings,
	}
	objects := map[Severity]int{}
	for _, f := range r.Findings {
		objects[f.Severity] += len(f.Objects)
		hf := htmlFinding{Finding: f, Severity: f.Severity.String()}
		for _, o := range f.Objects {
			row := htmlRow{Object: o}
			for _, dn := range o.Path {
				row.Steps = append(row.Steps, htmlStep{Name: commonName(dn), DN: dn})
			}
			hf.Rows = append(hf.Rows, row)
			hf.HasPaths = hf.HasPaths || len(o.Path) > 0
		}
		v.Findings = append(v.Findings, hf)
	}
	const (
		labelWidth = 84
		barSpace   = 360
		rowHeight  = 34
		barHeight  = 22
	)
	largest := 1
	for _, sev := range Severities() {
		largest = max(largest, r.Summary.Count(sev))
	}
	v.Chart = htmlChart{Width: labelWidth + barSpace + 48, Height: rowHeight*len(Severities()) + 8}
	for i, sev := range Severities() {
		n := r.Summary.Count(sev)
		v.Cards = append(v.Cards, htmlCard{Severity: sev.String(), Count: n, Objects: objects[sev]})
		width := n * barSpace / largest
		if n > 0 {
			width = max(width, 3)
		}
		y := 4 + i*rowHeight
		v.Chart.Bars = append(v.Chart.Bars, htmlBar{
			Severity: sev.String(), Count: n, Y: y + (rowHeight-barHeight)/2, Width: width, TextY: y + rowHeight/2 + 5,
			LabelX: labelWidth - 10, BarX: labelWidth, NumX: labelWidth + width + 8,
		})
	}
	return v
}
