package plugin

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// palette colours text for a terminal; every function returns its input unchanged when
// colour is off (no TTY, --no-color, NO_COLOR).
type palette struct{ on bool }

func (p palette) wrap(code, s string) string {
	if !p.on || s == "" {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

func (p palette) bold(s string) string   { return p.wrap("1", s) }
func (p palette) faint(s string) string  { return p.wrap("2", s) }
func (p palette) red(s string) string    { return p.wrap("31", s) }
func (p palette) green(s string) string  { return p.wrap("32", s) }
func (p palette) yellow(s string) string { return p.wrap("33", s) }
func (p palette) cyan(s string) string   { return p.wrap("36", s) }

// health colours a health value: Healthy green, Progressing and Unknown yellow, the rest red.
func (p palette) health(h string) string {
	switch h {
	case "Healthy":
		return p.green(h)
	case "Progressing", "Unknown", "":
		return p.yellow(h)
	default:
		return p.red(h)
	}
}

// cell is one table cell: its text, and an optional style (colour). tablewriter measures
// a cell by its display width with escape sequences stripped, so coloured cells line up.
type cell struct {
	text  string
	style func(string) string
}

// txt is a plain cell.
func txt(text string) cell { return cell{text: text} }

// styled is a cell printed with style.
func styled(text string, style func(string) string) cell { return cell{text: text, style: style} }

func (c cell) String() string {
	// A row is one line: a newline in a value (an alert's message) must not split it.
	text := strings.ReplaceAll(c.text, "\n", " ")
	if c.style != nil {
		return c.style(text)
	}
	return text
}

// table prints aligned columns the way kubectl's printers do — no borders, three spaces
// between columns, left-aligned headers as given — with optional section titles between
// rows that take no part in the columns' widths. tablewriter lays the columns out
// (display widths of wide characters such as CJK names, escape sequences ignored); table
// adds the indent and the titles and trims each line's trailing blanks.
type table struct {
	indent string
	rows   [][]cell
	// titles are the section titles by the index of the row they precede.
	titles map[int][]string
}

func (t *table) add(cells ...cell) { t.rows = append(t.rows, cells) }

func (t *table) section(title string) {
	if t.titles == nil {
		t.titles = map[int][]string{}
	}
	t.titles[len(t.rows)] = append(t.titles[len(t.rows)], title)
}

// columnGap is what separates two columns, as in kubectl get.
const columnGap = "   "

// plainCells is the layout of every section of the table: left-aligned, unformatted
// (no upper-casing of headers), never wrapped, no padding, spaces kept.
var plainCells = tw.CellConfig{
	Alignment:  tw.CellAlignment{Global: tw.AlignLeft},
	Formatting: tw.CellFormatting{AutoFormat: tw.Off, AutoWrap: tw.WrapNone},
	Padding:    tw.CellPadding{Global: tw.PaddingNone},
}

func newTableWriter(w io.Writer) *tablewriter.Table {
	return tablewriter.NewTable(w,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{
			Borders: tw.BorderNone,
			Symbols: tw.NewSymbolCustom("kubectl").WithColumn(columnGap),
			Settings: tw.Settings{
				Separators: tw.Separators{BetweenColumns: tw.On, BetweenRows: tw.Off, ShowHeader: tw.Off, ShowFooter: tw.Off},
				Lines:      tw.Lines{ShowTop: tw.Off, ShowBottom: tw.Off, ShowHeaderLine: tw.Off, ShowFooterLine: tw.Off},
			},
		})),
		tablewriter.WithConfig(tablewriter.Config{
			Header: plainCells, Row: plainCells, Footer: plainCells,
			Behavior: tw.Behavior{TrimSpace: tw.Off, AutoHide: tw.Off},
		}),
	)
}

func (t *table) write(w io.Writer) error {
	var laid bytes.Buffer
	if len(t.rows) > 0 {
		tbl := newTableWriter(&laid)
		for _, r := range t.rows {
			line := make([]string, len(r))
			for i, c := range r {
				line[i] = c.String()
			}
			if err := tbl.Append(line); err != nil {
				return fmt.Errorf("table row: %w", err)
			}
		}
		if err := tbl.Render(); err != nil {
			return fmt.Errorf("table: %w", err)
		}
	}
	lines := strings.Split(strings.TrimSuffix(laid.String(), "\n"), "\n")
	if len(t.rows) == 0 {
		lines = nil
	}
	if len(lines) != len(t.rows) {
		return fmt.Errorf("table: %d rows laid out as %d lines", len(t.rows), len(lines))
	}
	var b strings.Builder
	for i := 0; i <= len(lines); i++ {
		for _, title := range t.titles[i] {
			b.WriteString(title)
			b.WriteByte('\n')
		}
		if i < len(lines) {
			b.WriteString(strings.TrimRight(t.indent+lines[i], " "))
			b.WriteByte('\n')
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
