package returned

// node is a binary tree of feature ids.
type node struct {
	left, right *node
	id          int
}

// ids streams the tree's ids in order; nothing closes the channel.
func (n *node) ids() <-chan int {
	ch := make(chan int) // want `the channel ids returns is never closed: the goroutines it starts only send on it, so allIDs's range over it \(line 27\) never ends`
	go n.visit(ch)
	return ch
}

func (n *node) visit(ch chan<- int) {
	if n == nil {
		return
	}
	n.left.visit(ch)
	ch <- n.id
	n.right.visit(ch)
}

func allIDs(n *node) []int {
	var out []int
	for id := range n.ids() {
		out = append(out, id)
	}
	return out
}

// idsClosed closes once the visit is over: fine.
func (n *node) idsClosed() <-chan int {
	ch := make(chan int)
	go n.visitAll(ch)
	return ch
}

func (n *node) visitAll(ch chan<- int) {
	defer close(ch)
	n.visit(ch)
}

func allIDsClosed(n *node) []int {
	var out []int
	for id := range n.idsClosed() {
		out = append(out, id)
	}
	return out
}
