package workbook

import (
	"bytes"
	"context"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/asyncbook/asyncbook/exercises/simworld"
)

// chromium finds a Chromium to screenshot with: $CHROMIUM, else one on
// PATH. Without one the test is skipped, except in CI, where it fails
// (scripts/test.sh installs Chromium for the editor tests before go test).
func chromium(t *testing.T) string {
	t.Helper()
	if c := os.Getenv("CHROMIUM"); c != "" {
		return c
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("no Chromium (chromium, chromium-browser or google-chrome on PATH, or $CHROMIUM) to screenshot the timeline with")
	}
	t.Skip("no Chromium to screenshot the timeline with (set CHROMIUM, or install chromium)")
	return ""
}

// TestTimelineSVGRendersInABrowser screenshots the SVG timeline in headless
// Chromium and reads the picture back: each resource's calls are painted in
// its colour where the SVG puts them, the idle capacity is shaded, and the
// sequential run stretches to the right edge of the shared scale.
func TestTimelineSVGRendersInABrowser(t *testing.T) {
	browser := chromium(t)
	var spans []simworld.Span
	for i := range 4 { // classifier: 2 at once of a limit of 4, for 200ms
		spans = append(spans, simworld.Span{Resource: "model/classifier", Start: ms(100 * (i / 2)), End: ms(100 * (i/2 + 1))})
	}
	spans = append(spans, simworld.Span{Resource: "model/embedder", Start: 0, End: ms(150)},
		simworld.Span{Resource: "model/embedder", Start: ms(150), End: ms(200), Err: "503"})
	svg := TimelineSVGWith("render test", spans, TimelineOptions{Limits: map[string]int{"model/classifier": 4}})
	root := parseSVG(t, svg)

	dir := t.TempDir()
	svgPath := filepath.Join(dir, "timeline.svg")
	pngPath := filepath.Join(dir, "timeline.png")
	require.NoError(t, os.WriteFile(svgPath, svg, 0o644))
	w, h := int(root.num(t, "width")), int(root.num(t, "height"))
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
		"--force-device-scale-factor=1", "--user-data-dir="+filepath.Join(dir, "profile"),
		"--window-size="+strconv.Itoa(w)+","+strconv.Itoa(h), "--screenshot="+pngPath, "file://"+svgPath)
	cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_CONFIG_HOME="+dir, "XDG_CACHE_HOME="+dir)
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	b, err := os.ReadFile(pngPath)
	require.NoError(t, err, "%s", out)
	if keep := os.Getenv("ASYNCBOOK_SCREENSHOTS"); keep != "" {
		_ = os.WriteFile(filepath.Join(keep, "asyncbook-timeline.png"), b, 0o644)
	}
	img, err := png.Decode(bytes.NewReader(b))
	require.NoError(t, err)
	require.Equal(t, w, img.Bounds().Dx())

	// at returns the colour at the centre of an SVG element's box.
	at := func(n svgNode, dy float64) color.RGBA {
		x := n.num(t, "x") + n.num(t, "width")/2
		y := n.num(t, "y") + dy
		r, g, b, _ := img.At(int(x), int(y)).RGBA()
		return color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), 255}
	}
	hex := func(s string) color.RGBA {
		v, err := strconv.ParseUint(strings.TrimPrefix(s, "#"), 16, 32)
		require.NoError(t, err)
		return color.RGBA{uint8(v >> 16), uint8(v >> 8), uint8(v), 255}
	}
	near := func(want, got color.RGBA, msg string) {
		t.Helper()
		d := func(a, b uint8) int { return max(int(a)-int(b), int(b)-int(a)) }
		assert.True(t, d(want.R, got.R) < 12 && d(want.G, got.G) < 12 && d(want.B, got.B) < 12, "%s: want %v, painted %v", msg, want, got)
	}
	yours := runOf(t, root, "yours")
	seen := map[color.RGBA]bool{}
	for _, lane := range yours.find("g", "lane") {
		for _, c := range lane.find("rect", "call") {
			got := at(c, c.num(t, "height")/2)
			near(hex(c.attr("fill")), got, lane.attr("data-resource")+" call")
			seen[got] = true
		}
	}
	assert.GreaterOrEqual(t, len(seen), 3, "two resources' colours and the red of a failure")

	// The classifier's idle capacity (rows 3 and 4 of its limit of 4) is
	// shaded: not white, not the call colour.
	capacity := laneOf(t, yours, "model/classifier").find("rect", "capacity")
	require.Len(t, capacity, 1)
	idle := at(capacity[0], capacity[0].num(t, "height")-5)
	white := color.RGBA{255, 255, 255, 255}
	assert.NotEqual(t, white, idle, "idle capacity is shaded")
	assert.True(t, idle.R > 200 && idle.G > 200 && idle.B > 200, "and light: %v", idle)

	// The sequential run (one at a time: 4×100 + 150 + 50 = 600ms) ends at the right edge; yours (200ms) well before.
	var lastSeq svgNode
	for _, c := range runOf(t, root, "sequential").find("rect", "call") {
		if lastSeq.XMLName.Local == "" || c.num(t, "x") > lastSeq.num(t, "x") {
			lastSeq = c
		}
	}
	near(hex(lastSeq.attr("fill")), at(lastSeq, lastSeq.num(t, "height")/2), "the last call one at a time")
	ticks := root.find("text", "tick-label")
	require.NotEmpty(t, ticks)
	assert.Equal(t, "600ms", strings.TrimSpace(ticks[len(ticks)-1].allText()))
}
