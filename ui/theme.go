package ui

import (
	"bytes"
	"encoding/binary"
	"image/color"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// Theme is Fyne's default theme with two fixes a user notices:
//   - a keyboard focus that can be seen on every button (Fyne's own is a 16%
//     tint, invisible on a primary button);
//   - underscores in monospace text (JSON keys such as public_api_key): the
//     bundled DejaVu Sans Mono draws "_" 0.55 px thick at 14 px, on the
//     very last row of the line, and Fyne cuts each text line at the font's
//     descent, so the underscore was faint or, at 13 and 15 px, gone.
func Theme() fyne.Theme { return appTheme{} }

type appTheme struct{}

// Focus colours, blended over a button's background. Chosen so a focused
// button differs from an unfocused one by a contrast ratio of at least 1.25
// for normal and primary buttons while its label keeps 4.5:1
// (TestFocusedButtonIsVisible measures both).
var (
	focusLight = color.NRGBA{R: 0x00, G: 0x20, B: 0x60, A: 0x30} // darkens, also the blue primary
	focusDark  = color.NRGBA{R: 0x0d, G: 0x47, B: 0xa1, A: 0xe0} // a deep blue under white labels
)

func (appTheme) Color(name fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	if name == theme.ColorNameFocus {
		if v == theme.VariantDark {
			return focusDark
		}
		return focusLight
	}
	return theme.DefaultTheme().Color(name, v)
}

func (appTheme) Font(style fyne.TextStyle) fyne.Resource {
	if style.Monospace {
		return monospaceFont()
	}
	return theme.DefaultTheme().Font(style)
}

func (appTheme) Icon(name fyne.ThemeIconName) fyne.Resource {
	return theme.DefaultTheme().Icon(name)
}

func (appTheme) Size(name fyne.ThemeSizeName) float32 {
	return theme.DefaultTheme().Size(name)
}

// monospaceFont is Fyne's monospace font with a thicker underscore and a
// line gap below the descent, so the underscore is inked and never cut off.
var monospaceFont = sync.OnceValue(func() fyne.Resource {
	mono := theme.DefaultTextMonospaceFont()
	data := bytes.Clone(mono.Content())
	thickenUnderscore(data)
	addLineGap(data, monoLineGap)
	return fyne.NewStaticResource(mono.Name(), data)
})

// DejaVu Sans Mono's underscore glyph (2048 units per em): a rectangle from
// y=-483 to y=-403, and the same rectangle from -483 to -333 (150 units,
// about 1 px at 14 px). Only the top edge and the two vertical deltas
// change; the hinting instructions are unused by Fyne's rasterizer.
var (
	thinUnderscore = []byte{
		0x00, 0x01, 0x00, 0x00, 0xfe, 0x1d, 0x04, 0xd1, 0xfe, 0x6d, 0x00, 0x03, 0x00, 0x0f,
		0xb5, 0x00, 0xb8, 0x01, 0x04, 0x00, 0x02, 0x2f, 0xcc, 0x31, 0x00, 0x10, 0xd4, 0xec, 0x30,
		0x01, 0x15, 0x21, 0x35, 0x04, 0xd1, 0xfb, 0x2f, 0xfe, 0x6d, 0x50, 0x50,
	}
	thickUnderscore = []byte{
		0x00, 0x01, 0x00, 0x00, 0xfe, 0x1d, 0x04, 0xd1, 0xfe, 0xb3, 0x00, 0x03, 0x00, 0x0f,
		0xb5, 0x00, 0xb8, 0x01, 0x04, 0x00, 0x02, 0x2f, 0xcc, 0x31, 0x00, 0x10, 0xd4, 0xec, 0x30,
		0x01, 0x15, 0x21, 0x35, 0x04, 0xd1, 0xfb, 0x2f, 0xfe, 0xb3, 0x96, 0x96,
	}
)

// monoLineGap (font units) leaves about 1 px at 14 px below the descent:
// Fyne rounds the baseline down to a whole pixel, which can push the
// underscore past the bottom of the line's image.
const monoLineGap = 150

// thickenUnderscore rewrites the underscore glyph in place. If the font is
// not the one expected (a Fyne upgrade), it is left alone; the theme test
// then fails on the faint underscore rather than the app drawing garbage.
func thickenUnderscore(font []byte) {
	if i := bytes.Index(font, thinUnderscore); i >= 0 {
		copy(font[i:], thickUnderscore)
	}
}

// addLineGap sets the hhea table's line gap, which Fyne adds to the height
// of each line of text.
func addLineGap(font []byte, gap int16) {
	if len(font) < 12 {
		return
	}
	tables := int(binary.BigEndian.Uint16(font[4:6]))
	for i := range tables {
		rec := 12 + 16*i
		if rec+16 > len(font) {
			return
		}
		if string(font[rec:rec+4]) != "hhea" {
			continue
		}
		off := int(binary.BigEndian.Uint32(font[rec+8 : rec+12]))
		if off+10 <= len(font) {
			binary.BigEndian.PutUint16(font[off+8:off+10], uint16(gap))
		}
		return
	}
}
