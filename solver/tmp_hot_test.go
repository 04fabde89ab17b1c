package solver

import (
	"math/rand/v2"
	"testing"
)

func BenchmarkTmpHot(b *testing.B) {
	r := rand.New(rand.NewPCG(200, 1))
	p := networkLike(r, 200, 1, 0.3)
	benchCycle(b, []*Problem{p}, Settings{Alternatives: -1})
}

func BenchmarkTmpValidate(b *testing.B) {
	r := rand.New(rand.NewPCG(200, 1))
	p := networkLike(r, 200, 1, 0.3)
	for b.Loop() {
		p.Validate()
	}
}
