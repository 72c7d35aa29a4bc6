// Command firstpaint waits until an X window shows its first frame: more
// than one colour among its pixels (sampled every fourth pixel on a grid),
// polling every millisecond. scripts/measure-lightness.sh runs it once a
// window is mapped, since a window can be visible before anything is drawn
// in it.
//
// Usage: firstpaint WINDOW-ID   (exit 0 once painted, 1 after 20 s, 2 on error)
package main

/*
#cgo LDFLAGS: -lX11
#include <X11/Xlib.h>
#include <X11/Xutil.h>

// painted reports 1 if window w shows more than one colour, 0 if not, -1
// if it cannot be read.
static int painted(Display *d, Window w) {
	XWindowAttributes a;
	if (!XGetWindowAttributes(d, w, &a)) return -1;
	XImage *img = XGetImage(d, w, 0, 0, a.width, a.height, AllPlanes, ZPixmap);
	if (!img) return 0;
	unsigned long first = XGetPixel(img, 0, 0);
	int diff = 0;
	for (int y = 0; y < a.height && !diff; y += 4)
		for (int x = 0; x < a.width; x += 4)
			if (XGetPixel(img, x, y) != first) { diff = 1; break; }
	XDestroyImage(img);
	return diff;
}
*/
import "C"

import (
	"fmt"
	"os"
	"strconv"
	"time"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: firstpaint WINDOW-ID")
		os.Exit(2)
	}
	id, err := strconv.ParseUint(os.Args[1], 0, 64)
	if err != nil {
		fmt.Fprintf(os.Stderr, "firstpaint: %q is not a window id\n", os.Args[1])
		os.Exit(2)
	}
	d := C.XOpenDisplay(nil)
	if d == nil {
		fmt.Fprintln(os.Stderr, "firstpaint: cannot open $DISPLAY")
		os.Exit(2)
	}
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		switch C.painted(d, C.Window(id)) {
		case 1:
			return
		case -1:
			fmt.Fprintf(os.Stderr, "firstpaint: window %s is gone\n", os.Args[1])
			os.Exit(2)
		}
	}
	os.Exit(1)
}
