package plugin

import (
	"io"
	"strings"
	"unicode/utf8"
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

// cell is one table cell: its text, and an optional style applied after padding is
// computed (so coloured cells line up).
type cell struct {
	text  string
	style func(string) string
}

// txt is a plain cell.
func txt(text string) cell { return cell{text: text} }

// styled is a cell printed with style.
func styled(text string, style func(string) string) cell { return cell{text: text, style: style} }

type row struct {
	title string // a section title printed as is, not part of the columns
	cells []cell
}

// table prints aligned columns the way kubectl's printers do (three spaces between
// columns), with optional section titles between rows.
type table struct {
	indent string
	rows   []row
}

func (t *table) add(cells ...cell) { t.rows = append(t.rows, row{cells: cells}) }

func (t *table) section(title string) { t.rows = append(t.rows, row{title: title}) }

func (t *table) write(w io.Writer) error {
	var widths []int
	for _, r := range t.rows {
		for i, cl := range r.cells {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], utf8.RuneCountInString(cl.text))
		}
	}
	var b strings.Builder
	for _, r := range t.rows {
		if r.cells == nil {
			b.WriteString(r.title)
			b.WriteByte('\n')
			continue
		}
		var line strings.Builder
		line.WriteString(t.indent)
		last := len(r.cells) - 1
		for last >= 0 && r.cells[last].text == "" {
			last--
		}
		for i := 0; i <= last; i++ {
			cl := r.cells[i]
			text := cl.text
			if cl.style != nil {
				text = cl.style(text)
			}
			line.WriteString(text)
			if i < last {
				line.WriteString(strings.Repeat(" ", widths[i]-utf8.RuneCountInString(cl.text)+3))
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " "))
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}
