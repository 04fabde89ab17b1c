package dataset

// City is a city of the default geography.
type City struct {
	Name string
	// Code prefixes the ids of the city's nodes, e.g. "ala-s001".
	Code       string
	Lat, Lon   float64
	Population int
	// Courier marks the cities with an express courier zone.
	Courier bool
}

// Kazakhstan returns the default geography: the largest cities of
// Kazakhstan with their coordinates and populations (rounded, about 2024),
// largest first.
func Kazakhstan() []City {
	return []City{
		{"Almaty", "ala", 43.2380, 76.9450, 2_230_000, true},
		{"Astana", "ast", 51.1694, 71.4491, 1_420_000, true},
		{"Shymkent", "shy", 42.3417, 69.5901, 1_220_000, true},
		{"Karaganda", "kar", 49.8047, 73.1094, 500_000, true},
		{"Aktobe", "akb", 50.2839, 57.1670, 580_000, false},
		{"Taraz", "tar", 42.9000, 71.3667, 430_000, false},
		{"Pavlodar", "pav", 52.2873, 76.9674, 370_000, false},
		{"Ust-Kamenogorsk", "ukk", 49.9483, 82.6275, 340_000, false},
		{"Semey", "sem", 50.4111, 80.2275, 320_000, false},
		{"Atyrau", "atr", 47.1164, 51.8833, 300_000, false},
		{"Kostanay", "kos", 53.2144, 63.6246, 260_000, false},
		{"Kyzylorda", "kzo", 44.8528, 65.5092, 250_000, false},
		{"Uralsk", "ura", 51.2333, 51.3667, 240_000, false},
		{"Petropavl", "pet", 54.8728, 69.1430, 220_000, false},
		{"Aktau", "akt", 43.6500, 51.1600, 200_000, false},
		{"Turkestan", "tur", 43.2973, 68.2517, 190_000, false},
		{"Temirtau", "tem", 50.0549, 72.9646, 170_000, false},
		{"Kokshetau", "kok", 53.2833, 69.3833, 150_000, false},
		{"Taldykorgan", "tdk", 45.0156, 78.3739, 140_000, false},
		{"Ekibastuz", "ekb", 51.7236, 75.3225, 130_000, false},
	}
}
