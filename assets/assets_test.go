package assets

import (
	"bytes"
	"image"
	_ "image/png"
	"os"
	"testing"
)

// The icon the binary carries is the app icon scaled down: same picture, so its
// average colour matches icon.png's.
func TestWindowIconIsTheAppIconScaledDown(t *testing.T) {
	decode := func(name string, data []byte) image.Image {
		img, _, err := image.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return img
	}
	full, err := os.ReadFile("icon.png")
	if err != nil {
		t.Fatal(err)
	}
	small, big := decode("window-icon.png", IconPNG), decode("icon.png", full)
	if b := small.Bounds(); b.Dx() != 256 || b.Dy() != 256 {
		t.Fatalf("window-icon.png is %v, want 256×256", b.Size())
	}
	s, l := meanColour(small), meanColour(big)
	for i := range s {
		if d := s[i] - l[i]; d > 0.02 || d < -0.02 {
			t.Errorf("average colour (RGBA) %.3f, icon.png's %.3f: not the same picture", s, l)
			break
		}
	}
}

func meanColour(img image.Image) [4]float64 {
	var sum [4]float64
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			for i, v := range []uint32{r, g, bl, a} {
				sum[i] += float64(v) / 0xffff
			}
		}
	}
	n := float64(b.Dx() * b.Dy())
	for i := range sum {
		sum[i] /= n
	}
	return sum
}
