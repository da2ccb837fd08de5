package operator

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	openovav1alpha1 "github.com/openova-io/core/api/v1alpha1"
)

func TestUpgradeAllowedAt(t *testing.T) {
	// Wednesday 2026-11-25 10:00 UTC.
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	later := now.Add(3 * time.Hour)
	earlier := now.Add(-time.Hour)
	win := func(start string, d time.Duration, days ...openovav1alpha1.Weekday) *openovav1alpha1.MaintenanceWindow {
		return &openovav1alpha1.MaintenanceWindow{Start: start, Duration: metav1.Duration{Duration: d}, Days: days}
	}
	tests := []struct {
		name      string
		notBefore *time.Time
		window    *openovav1alpha1.MaintenanceWindow
		want      time.Time
	}{
		{"nothing set", nil, nil, now},
		{"not-before passed", &earlier, nil, now},
		{"not-before ahead", &later, nil, later},
		{"inside a daily window", nil, win("09:00", 2*time.Hour), now},
		{"before today's window", nil, win("22:00", 2*time.Hour), time.Date(2026, 11, 25, 22, 0, 0, 0, time.UTC)},
		{"after today's window", nil, win("02:00", 2*time.Hour), time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC)},
		{"window crossing midnight still open", nil, win("23:00", 12*time.Hour), now},
		{"weekly window", nil, win("02:00", 2*time.Hour, "Saturday"), time.Date(2026, 11, 28, 2, 0, 0, 0, time.UTC)},
		{"not-before then window", &later, win("12:00", time.Hour), time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := upgradeAllowedAt(now, tt.notBefore, tt.window)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got.UTC())
		})
	}
}

func TestUpgradeAllowedAtTimeZone(t *testing.T) {
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC) // 11:00 in Berlin
	w := &openovav1alpha1.MaintenanceWindow{Start: "11:30", Duration: metav1.Duration{Duration: time.Hour}, TimeZone: "Europe/Berlin"}
	got, err := upgradeAllowedAt(now, nil, w)
	require.NoError(t, err)
	assert.Equal(t, time.Date(2026, 11, 25, 10, 30, 0, 0, time.UTC), got.UTC())

	w.TimeZone = "Mars/Olympus"
	_, err = upgradeAllowedAt(now, nil, w)
	assert.ErrorContains(t, err, "timeZone")
}
