package solver

func (w *Workspace) runHeuristic() {}
