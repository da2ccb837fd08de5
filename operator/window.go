package operator

import (
	"fmt"
	"time"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
)

// upgradeAllowedAt returns the earliest time at or after now when an upgrade may start given
// a not-before time and a maintenance window (both optional). It returns now when the
// upgrade may start at once.
func upgradeAllowedAt(now time.Time, notBefore *time.Time, w *openovav1alpha1.MaintenanceWindow) (time.Time, error) {
	at := now
	if notBefore != nil && notBefore.After(at) {
		at = *notBefore
	}
	if w == nil {
		return at, nil
	}
	return nextWindowOpening(at, w)
}

// nextWindowOpening returns t when t lies inside the window, else the start of the next window.
func nextWindowOpening(t time.Time, w *openovav1alpha1.MaintenanceWindow) (time.Time, error) {
	loc := time.UTC
	if w.TimeZone != "" {
		l, err := time.LoadLocation(w.TimeZone)
		if err != nil {
			return time.Time{}, fmt.Errorf("maintenanceWindow.timeZone %q: %w", w.TimeZone, err)
		}
		loc = l
	}
	start, err := time.Parse("15:04", w.Start)
	if err != nil {
		return time.Time{}, fmt.Errorf("maintenanceWindow.start %q: %w", w.Start, err)
	}
	if w.Duration.Duration <= 0 {
		return time.Time{}, fmt.Errorf("maintenanceWindow.duration must be positive")
	}
	days := map[time.Weekday]bool{}
	for _, d := range w.Days {
		for wd := time.Sunday; wd <= time.Saturday; wd++ {
			if wd.String() == string(d) {
				days[wd] = true
			}
		}
	}
	local := t.In(loc)
	// A window that opened on one of the previous days may still be open (long windows, or
	// windows crossing midnight); look back as far as the duration reaches.
	back := int(w.Duration.Duration/(24*time.Hour)) + 1
	for i := -back; i <= 8; i++ {
		day := local.AddDate(0, 0, i)
		open := time.Date(day.Year(), day.Month(), day.Day(), start.Hour(), start.Minute(), 0, 0, loc)
		if len(days) > 0 && !days[open.Weekday()] {
			continue
		}
		end := open.Add(w.Duration.Duration)
		if !local.Before(open) && local.Before(end) {
			return t, nil
		}
		if open.After(local) {
			return open, nil
		}
	}
	return time.Time{}, fmt.Errorf("maintenance window never opens")
}
