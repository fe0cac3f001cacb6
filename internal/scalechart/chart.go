package scalechart

import (
	"fmt"
	"image/color"
	"io"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/crawler-service/crawler/internal/scalesim"
)

var (
	blue   = color.RGBA{R: 31, G: 119, B: 180, A: 255}
	orange = color.RGBA{R: 255, G: 127, B: 14, A: 255}
	green  = color.RGBA{R: 44, G: 160, B: 44, A: 255}
	red    = color.RGBA{R: 214, G: 39, B: 40, A: 255}
	grey   = color.RGBA{R: 140, G: 140, B: 140, A: 255}
)

// floor is where the log axis of the published metric starts; datapoints
// of 0 are drawn on it.
const floor = 0.1

// Write draws r as a PNG of the given size.
func Write(w io.Writer, r *scalesim.Result, width, height vg.Length) error {
	unit, label := time.Minute, "minutes"
	if r.Scenario.Duration > 6*time.Hour {
		unit, label = time.Hour, "hours"
	}
	x := func(d time.Duration) float64 { return float64(d) / float64(unit) }

	var arrivals, waiting, oldest, running, billed, desired plotter.XYs
	// Arrivals are summed per minute, so the panel reads in jobs/min.
	perMin := map[int]float64{}
	for _, s := range r.Samples {
		perMin[int(s.At/time.Minute)] += float64(s.Arrived)
		t := x(s.At)
		waiting = append(waiting, plotter.XY{X: t, Y: float64(s.Waiting)})
		oldest = append(oldest, plotter.XY{X: t, Y: s.Oldest})
		running = append(running, plotter.XY{X: t, Y: float64(s.Running)})
		billed = append(billed, plotter.XY{X: t, Y: float64(s.Tasks)})
		desired = append(desired, plotter.XY{X: t, Y: float64(s.Desired)})
	}
	for m := 0; m < int(r.Scenario.Duration/time.Minute); m++ {
		arrivals = append(arrivals, plotter.XY{X: x(time.Duration(m) * time.Minute), Y: perMin[m]})
	}
	var backlog plotter.XYs
	for _, d := range r.Backlog {
		backlog = append(backlog, plotter.XY{X: x(time.Duration(d.Minute)*time.Minute + time.Minute/2), Y: max(d.Value, floor)})
	}

	s := r.Summary
	title := fmt.Sprintf("%s — %s, %s = %s per live worker", r.Scenario.Name, r.Policy, scalesim.MetricBacklog, r.World.Metric)
	panels := []*plot.Plot{
		panel(title+"\narrivals (jobs/min)", "", line(arrivals, blue, "arrived")),
		panel("waiting jobs", "", line(waiting, orange, "waiting")),
		panel(fmt.Sprintf("oldest waiting job age (s) — peak %.0f, p95 %.0f", s.PeakOldestS, s.P95OldestS), "", line(oldest, red, "oldest age")),
		panel(fmt.Sprintf("ECS tasks — peak %d, %.1f task-hours, $%.2f", s.PeakTasks, s.TaskHours, s.CostUSD), "",
			line(desired, grey, "desired"), line(billed, orange, "billed (starting/running/draining)"), line(running, green, "running")),
		panel(scalesim.MetricBacklog+" as published (one point per minute with data)", label,
			points(backlog, blue, "datapoint")),
	}
	// A log axis: spikes of thousands beside a target of tens.
	bp := panels[4]
	bp.Y.Scale, bp.Y.Tick.Marker, bp.Y.Min = plot.LogScale{}, plot.LogTicks{Prec: -1}, floor
	bp.Y.Max = floor * 10
	for _, d := range backlog {
		bp.Y.Max = max(bp.Y.Max, d.Y*1.5)
	}
	if r.Policy.Kind == scalesim.TargetTracking {
		t := r.Policy.Tracking.TargetValue
		tl := line(plotter.XYs{{X: 0, Y: t}, {X: x(r.Scenario.Duration), Y: t}}, red, fmt.Sprintf("target %g", t))
		tl.p.(*plotter.Line).Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		bp.Add(tl.p)
		bp.Legend.Add(tl.name, tl.p.(*plotter.Line))
	}
	for _, c := range r.Silent {
		if c.State != scalesim.InAlarm {
			continue
		}
		at := x(c.At)
		al := line(plotter.XYs{{X: at, Y: floor}, {X: at, Y: bp.Y.Max}}, red, r.Policy.Silent.Name+" ALARM")
		al.p.(*plotter.Line).Width = vg.Points(2)
		bp.Add(al.p)
		bp.Legend.Add(al.name, al.p.(*plotter.Line))
	}
	for _, w := range r.Scenario.PublisherDown {
		for i, p := range panels {
			lo := p.Y.Min
			if i == len(panels)-1 {
				lo = floor
			}
			shade(p, x(w.From), x(w.To), lo, p.Y.Max, i == 1 || i == len(panels)-1)
		}
	}
	for _, p := range panels {
		p.X.Min, p.X.Max = 0, x(r.Scenario.Duration)
	}

	img := vgimg.New(width, height)
	dc := draw.New(img)
	grid := make([][]*plot.Plot, len(panels))
	for i, p := range panels {
		grid[i] = []*plot.Plot{p}
	}
	tiles := draw.Tiles{Rows: len(panels), Cols: 1, PadTop: vg.Points(4), PadBottom: vg.Points(4), PadLeft: vg.Points(4),
		PadRight: vg.Points(10), PadY: vg.Points(6)}
	canvases := plot.Align(grid, tiles, dc)
	for i, p := range panels {
		p.Draw(canvases[i][0])
	}
	png := vgimg.PngCanvas{Canvas: img}
	if _, err := png.WriteTo(w); err != nil {
		return fmt.Errorf("scalechart: write png: %w", err)
	}
	return nil
}

// series is one plotter with its legend entry.
type series struct {
	p    plot.Plotter
	name string
}

func panel(title, xlabel string, ss ...series) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = vg.Points(10)
	p.X.Label.Text = xlabel
	p.Y.Min = 0
	p.Add(plotter.NewGrid())
	for _, s := range ss {
		p.Add(s.p)
		if t, ok := s.p.(plot.Thumbnailer); ok {
			p.Legend.Add(s.name, t)
		}
	}
	p.Legend.Top = true
	p.Legend.TextStyle.Font.Size = vg.Points(8)
	return p
}

func line(xy plotter.XYs, c color.Color, name string) series {
	if len(xy) == 0 {
		xy = plotter.XYs{{}}
	}
	l, _ := plotter.NewLine(xy)
	l.Color = c
	l.Width = vg.Points(1.2)
	return series{l, name}
}

func points(xy plotter.XYs, c color.Color, name string) series {
	if len(xy) == 0 {
		xy = plotter.XYs{{}}
	}
	s, _ := plotter.NewScatter(xy)
	s.Color = c
	s.GlyphStyle.Radius = vg.Points(1.5)
	s.GlyphStyle.Shape = draw.CircleGlyph{}
	return series{s, name}
}

// shade greys the window [from, to) of p, from bottom to top.
func shade(p *plot.Plot, from, to, bottom, top float64, legend bool) {
	poly, err := plotter.NewPolygon(plotter.XYs{{X: from, Y: bottom}, {X: to, Y: bottom}, {X: to, Y: top}, {X: from, Y: top}})
	if err != nil {
		return
	}
	poly.Color = color.NRGBA{R: 120, G: 120, B: 120, A: 60}
	poly.LineStyle.Width = 0
	p.Add(poly)
	if legend {
		p.Legend.Add("publisher down", poly)
	}
}
