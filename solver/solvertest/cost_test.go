package solvertest

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/omniroute/omniroute/network"
)

// TestCostModelMatchesNetwork: a generated problem is priced as the network
// package prices a carrier and a courier built from the same model.
func TestCostModelMatchesNetwork(t *testing.T) {
	m := DefaultCostModel()
	assert.Equal(t, network.JasinSinhaPerPackage, m.ParcelPerPackage)
	assert.Equal(t, network.JasinSinhaPerItem, m.ParcelItemBase)
	assert.Equal(t, network.JasinSinhaPerItemPerMile, m.ParcelItemPerMile)
	c := m.Carrier("parcel", []network.TransitBand{{MaxKm: 100, Days: 1}})
	nd := &network.Node{}
	for _, km := range []float64{0, 10, 970} {
		assert.Equal(t, m.ParcelPerItem(km), network.ParcelUnit(nd, &c, km, 0), "km %v: ParcelUnit", km)
		assert.Equal(t, m.ParcelFixed(km), network.ParcelFixed(nd, &c), "km %v: ParcelFixed", km)
	}
	cp := m.Courier("glovo")
	assert.Equal(t, m.CourierFixed(4), network.CourierFixed(nd, &cp, 4))
	assert.Equal(t, 1, network.TransitDays(&c, 50))
}
