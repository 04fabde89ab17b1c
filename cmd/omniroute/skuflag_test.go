package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSKUFlag(t *testing.T) {
	var f skuFlag
	require.NoError(t, f.Set("MILK-1L:2"))
	require.NoError(t, f.Set("PHONE:1:0.4:25"))
	require.NoError(t, f.Set("GADGET:3::7.5"))
	require.Len(t, f, 3)
	assert.Equal(t, 0.0, f[0].LostSaleCost)
	assert.Equal(t, 0.4, f[1].UnitWeightKg)
	assert.Equal(t, 25.0, f[1].LostSaleCost)
	assert.Equal(t, 0.0, f[2].UnitWeightKg)
	assert.Equal(t, 7.5, f[2].LostSaleCost)
	assert.Error(t, f.Set("A:1:2:3:4"))
	assert.ErrorContains(t, f.Set("A:1:2:x"), "lost-sale cost")
}
