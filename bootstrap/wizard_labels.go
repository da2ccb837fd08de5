package bootstrap

import (
	"fmt"
	"os"
	"strings"

	"github.com/mattn/go-runewidth"
	"golang.org/x/term"
)

// The component lists show one line per entry: a description longer than the terminal
// is cut at a word and ends in "…", never wrapped onto a second line (which would make
// every row two lines tall and cut mid-word where the terminal wraps).

// listIndent is what the multi-select puts before a label: the cursor and the check box.
const listIndent = 8

// terminalWidth is opts.Width, else the width of the terminal Out is, else 80.
func terminalWidth(opts WizardOptions) int {
	if opts.Width > 0 {
		return opts.Width
	}
	out := opts.Out
	if out == nil {
		out = os.Stdout
	}
	if f, ok := out.(*os.File); ok {
		if w, _, err := term.GetSize(int(f.Fd())); err == nil && w > 0 {
			return w
		}
	}
	return 80
}

var categoryTags = map[ComponentCategory]string{
	CategoryMandatory:    "mandatory",
	CategoryMetaPlatform: "meta-platform",
	CategoryALaCarte:     "",
}

// componentLabel is "name  [tag]  description", fitted to width.
func componentLabel(c ComponentOption, width int) string {
	head := fmt.Sprintf("%-18s", c.Name)
	if tag := categoryTags[c.Category]; tag != "" {
		head += " " + fmt.Sprintf("%-14s", tag)
	} else {
		head += " " + strings.Repeat(" ", 14)
	}
	return fitLine(head+"  ", c.Description, width-listIndent)
}

// memberLabel is "name  Display name — description", fitted to width.
func memberLabel(m ComponentMember, width int) string {
	desc := m.DisplayName
	if m.Description != "" {
		if desc != "" && !strings.EqualFold(desc, m.Name) {
			desc += " — " + m.Description
		} else {
			desc = m.Description
		}
	}
	return fitLine(fmt.Sprintf("%-18s", m.Name)+"  ", desc, width-listIndent)
}

// fitLine is head then as much of text as fits in width columns, cut at a word with "…".
func fitLine(head, text string, width int) string {
	line := strings.TrimRight(head+text, " ")
	if runewidth.StringWidth(line) <= width {
		return line
	}
	room := width - runewidth.StringWidth(head) - 1 // the ellipsis
	if room < 8 {
		// Too narrow for a useful description: the name alone.
		return strings.TrimRight(head, " ")
	}
	cut := runewidth.Truncate(text, room, "")
	if i := strings.LastIndexByte(cut, ' '); i > 0 && len(cut) < len(text) && text[len(cut)] != ' ' {
		cut = cut[:i]
	}
	return head + strings.TrimRight(cut, " ,;:—-") + "…"
}
