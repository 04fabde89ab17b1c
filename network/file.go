package network

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"

	"github.com/omniroute/omniroute/internal/yamlkeys"
	"gopkg.in/yaml.v3"
)

// networkFile is the YAML form of a Network. It differs from Network only
// in how node methods are spelled (lower-case names) and in treating a
// missing "enabled" as true.
type networkFile struct {
	Name     string           `yaml:"name"`
	Currency string           `yaml:"currency,omitempty"`
	Policy   Policy           `yaml:"policy"`
	Distance *DistanceConfig  `yaml:"distance,omitempty"`
	Carriers []Carrier        `yaml:"carriers"`
	Couriers []CourierPartner `yaml:"couriers"`
	Nodes    []nodeFile       `yaml:"nodes"`
	Lanes    []Lane           `yaml:"lanes,omitempty"`
}

type nodeFile struct {
	ID               string   `yaml:"id"`
	Name             string   `yaml:"name,omitempty"`
	City             string   `yaml:"city,omitempty"`
	Kind             Kind     `yaml:"kind"`
	Lat              float64  `yaml:"lat"`
	Lon              float64  `yaml:"lon"`
	Methods          []string `yaml:"methods,flow"`
	CapacityPerDay   int      `yaml:"capacity_per_day"`
	PickCostPerOrder float64  `yaml:"pick_cost_per_order"`
	PickCostPerUnit  float64  `yaml:"pick_cost_per_unit"`
	Hours            Hours    `yaml:"hours,omitempty,flow"`
	Tags             []string `yaml:"tags,omitempty,flow"`
	Enabled          *bool    `yaml:"enabled,omitempty"`
	ShelfPerSKU      int      `yaml:"shelf_per_sku,omitempty"`
	ShelfTotal       int      `yaml:"shelf_total,omitempty"`
	Transfers        string   `yaml:"transfers,omitempty"`
	WalkInLostSale   float64  `yaml:"walk_in_lost_sale_cost_per_unit,omitempty"`
}

// Load reads and initialises a network from a YAML file, with the default
// partner types.
func Load(path string) (*Network, error) { return LoadWith(path, nil) }

// LoadWith is Load with the partner types of reg (DefaultPartnerRegistry
// when nil).
func LoadWith(path string, reg *PartnerRegistry) (*Network, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("network: %w", err)
	}
	defer f.Close()
	n, err := ParseWith(f, filepath.Base(path), reg)
	if err == nil && n.Distance != nil && n.Distance.CSV != "" && !filepath.IsAbs(n.Distance.CSV) {
		// A matrix file is named relative to the network file.
		n.Distance.CSV = filepath.Join(filepath.Dir(path), n.Distance.CSV)
	}
	return n, err
}

// Parse reads and initialises a network from YAML, with the default
// partner types; name (usually the file name) prefixes every error.
// Unknown keys are errors, each named by its line and field:
// "line 27: nodes[1] (alm-wh1).colour: unknown field".
func Parse(r io.Reader, name string) (*Network, error) { return ParseWith(r, name, nil) }

// ParseWith is Parse with the partner types of reg
// (DefaultPartnerRegistry when nil); the network keeps reg for later Init
// calls and clones.
func ParseWith(r io.Reader, name string, reg *PartnerRegistry) (*Network, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w: %w", name, ErrInvalidNetwork, err)
	}
	if len(doc.Content) == 0 {
		return nil, fmt.Errorf("%s: %w: empty file", name, ErrInvalidNetwork)
	}
	root := doc.Content[0]
	var v validator
	for _, k := range yamlkeys.Unknown(root, reflect.TypeFor[networkFile]()) {
		v.add(k.String(), "unknown field")
	}
	if err := v.err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var f networkFile
	if err := root.Decode(&f); err != nil {
		return nil, fmt.Errorf("%s: %w: %w", name, ErrInvalidNetwork, err)
	}
	where := locator(root)
	n, err := f.network(where)
	if err == nil {
		n.registry = reg
		err = n.init(where)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return n, nil
}

func (f *networkFile) network(where func(string) string) (*Network, error) {
	n := &Network{
		Name:     f.Name,
		Currency: f.Currency,
		Policy:   f.Policy,
		Distance: f.Distance,
		Carriers: f.Carriers,
		Couriers: f.Couriers,
		Nodes:    make([]Node, len(f.Nodes)),
		Lanes:    f.Lanes,
	}
	v := validator{where: where}
	for i, nf := range f.Nodes {
		nd := Node{
			ID: nf.ID, Name: nf.Name, City: nf.City, Kind: nf.Kind, Lat: nf.Lat, Lon: nf.Lon,
			CapacityPerDay: nf.CapacityPerDay, PickCostPerOrder: nf.PickCostPerOrder,
			PickCostPerUnit: nf.PickCostPerUnit, Hours: nf.Hours, Tags: nf.Tags,
			Enabled:     nf.Enabled == nil || *nf.Enabled,
			ShelfPerSKU: nf.ShelfPerSKU, ShelfTotal: nf.ShelfTotal,
			WalkInLostSaleCostPerUnit: nf.WalkInLostSale,
		}
		if nf.Transfers != "both" {
			nd.Transfers = TransferRole(nf.Transfers)
		}
		for j, s := range nf.Methods {
			m, err := ParseMethod(s)
			if err != nil {
				v.add(fmt.Sprintf("nodes[%d] (%s).methods[%d]", i, nf.ID, j), "%v (want %s)", err, MethodChoices())
				continue
			}
			nd.Methods = append(nd.Methods, m)
		}
		n.Nodes[i] = nd
	}
	return n, v.err()
}

func (n *Network) file() *networkFile {
	f := &networkFile{
		Name:     n.Name,
		Currency: n.Currency,
		Policy:   n.Policy,
		Distance: n.Distance,
		Carriers: n.Carriers,
		Couriers: n.Couriers,
		Nodes:    make([]nodeFile, len(n.Nodes)),
		Lanes:    n.Lanes,
	}
	for i := range n.Nodes {
		nd := &n.Nodes[i]
		enabled := nd.Enabled
		nf := nodeFile{
			ID: nd.ID, Name: nd.Name, City: nd.City, Kind: nd.Kind, Lat: nd.Lat, Lon: nd.Lon,
			CapacityPerDay: nd.CapacityPerDay, PickCostPerOrder: nd.PickCostPerOrder,
			PickCostPerUnit: nd.PickCostPerUnit, Hours: nd.Hours, Tags: nd.Tags,
			Enabled:     &enabled,
			ShelfPerSKU: nd.ShelfPerSKU, ShelfTotal: nd.ShelfTotal, Transfers: string(nd.Transfers),
			WalkInLostSale: nd.WalkInLostSaleCostPerUnit,
		}
		for _, m := range nd.Methods {
			nf.Methods = append(nf.Methods, MethodFileName(m))
		}
		f.Nodes[i] = nf
	}
	return f
}

// WriteYAML writes the network in the file format Parse reads; Parse of
// the output gives back an equal network.
func (n *Network) WriteYAML(w io.Writer) error {
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(n.file()); err != nil {
		return fmt.Errorf("network %s: write yaml: %w", n.Name, err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("network %s: write yaml: %w", n.Name, err)
	}
	return nil
}

// MarshalYAML writes the network in its file form, so that yaml.Marshal of
// a Network gives what WriteYAML writes.
func (n *Network) MarshalYAML() (any, error) { return n.file(), nil }

// UnmarshalYAML reads the file form. It does not call Init, and (unlike
// Parse) it does not reject unknown keys.
func (n *Network) UnmarshalYAML(v *yaml.Node) error {
	var f networkFile
	if err := v.Decode(&f); err != nil {
		return err
	}
	m, err := f.network(nil)
	if err != nil {
		return err
	}
	*n = *m
	return nil
}

// locator returns a function that finds the line of a field path such as
// "nodes[3] (alm-s07).methods[1]" in the YAML document whose root is doc,
// as "line 57", or "" when it cannot.
func locator(doc *yaml.Node) func(field string) string {
	return func(field string) string {
		if line := fieldLine(doc, field); line > 0 {
			return fmt.Sprintf("line %d", line)
		}
		return ""
	}
}

// fieldSegment matches one step of a field path: a key, an optional index
// and an optional "(id)" label.
var fieldSegment = regexp.MustCompile(`^([a-z_]+)(?:\[(\d+)\])?(?: \([^)]*\))?(?:\.|$)`)

// fieldLine walks the path from node and returns the line of the deepest
// part of it found (0 when not even the first key is there).
func fieldLine(node *yaml.Node, field string) int {
	line := 0
	for field != "" {
		m := fieldSegment.FindStringSubmatch(field)
		if m == nil || node.Kind != yaml.MappingNode {
			return line
		}
		field = field[len(m[0]):]
		var next *yaml.Node
		for i := 0; i+1 < len(node.Content); i += 2 {
			if node.Content[i].Value == m[1] {
				line = node.Content[i].Line
				next = node.Content[i+1]
				break
			}
		}
		if next == nil {
			return line
		}
		node = next
		if m[2] != "" {
			idx, _ := strconv.Atoi(m[2])
			if node.Kind != yaml.SequenceNode || idx >= len(node.Content) {
				return line
			}
			node = node.Content[idx]
			line = node.Line
		}
	}
	return line
}
