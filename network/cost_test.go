package network

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestTransitDays(t *testing.T) {
	c := Carrier{Transit: []TransitBand{{MaxKm: 100, Days: 1}}}
	if TransitDays(&c, 50) != 1 || TransitDays(&c, 5000) != 1 || TransitDays(&Carrier{}, 5) != 0 {
		t.Error("TransitDays")
	}
}

func TestCourierMinutes(t *testing.T) {
	tests := []struct {
		name string
		c    CourierPartner
		km   float64
		want int32
	}{
		{"prep and ride rounded up", CourierPartner{PrepMinutes: 15, SpeedKmh: 25}, 4, 15 + 10},
		{"a part of a minute counts", CourierPartner{SpeedKmh: 60}, 0.01, 1},
		{"beyond int32 saturates", CourierPartner{PrepMinutes: MaxLeadMinutes, SpeedKmh: 1e-9}, 20000, math.MaxInt32},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, CourierMinutes(&tt.c, tt.km), "CourierMinutes")
		})
	}
}
