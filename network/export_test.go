package network

// FarCounted is the number of far candidates the last explained build of b
// counted without measuring them (0 when it measured every candidate).
func FarCounted(b *Builder) int {
	if !b.ord.far {
		return 0
	}
	return b.farNodes
}
