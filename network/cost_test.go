package network

import (
	"math"
	"testing"

	"github.com/omniroute/omniroute/solver"
)

func TestCostModelBridge(t *testing.T) {
	m := solver.DefaultCostModel()
	if m.ParcelPerPackage != JasinSinhaPerPackage || m.ParcelItemBase != JasinSinhaPerItem || m.ParcelItemPerMile != JasinSinhaPerItemPerMile {
		t.Errorf("solver's default parcel constants %+v differ from Jasin & Sinha's", m)
	}
	c := CarrierFromCostModel("parcel", m, []TransitBand{{MaxKm: 100, Days: 1}})
	nd := &Node{}
	for _, km := range []float64{0, 10, 970} {
		if got, want := ParcelUnit(nd, &c, km, 0), m.ParcelPerItem(km); got != want {
			t.Errorf("km %v: ParcelUnit %v, solver %v", km, got, want)
		}
		if got, want := ParcelFixed(nd, &c), m.ParcelFixed(km); got != want {
			t.Errorf("km %v: ParcelFixed %v, solver %v", km, got, want)
		}
	}
	cp := CourierFromCostModel("glovo", m)
	if got, want := CourierFixed(nd, &cp, 4), m.CourierFixed(4); got != want {
		t.Errorf("CourierFixed %v, solver %v", got, want)
	}
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
			if got := CourierMinutes(&tt.c, tt.km); got != tt.want {
				t.Errorf("CourierMinutes = %d, want %d", got, tt.want)
			}
		})
	}
}
