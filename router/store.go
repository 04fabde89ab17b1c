package router

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// stockKey names one (node, SKU) stock row.
type stockKey struct {
	node, sku string
}

// stockRow is the durable part of one (node, SKU): reserved units are not
// stored, they are the sum of the ACTIVE reservations.
type stockRow struct {
	OnHand int32
	Safety int32
	Seq    uint64
}

// changes is what one state change writes, atomically. Reservations are
// encoded when added, so that a change can be written after the service's
// lock is released.
type changes struct {
	stock        map[stockKey]stockRow
	reservations map[string][]byte
	deleted      []string // reservation ids to forget
	// seed marks the first save of a fresh data directory.
	seed bool
}

func (c *changes) putStock(k stockKey, r stockRow) {
	if c.stock == nil {
		c.stock = make(map[stockKey]stockRow)
	}
	c.stock[k] = r
}

// putReservation records r as it is now.
func (c *changes) putReservation(r *reservation) {
	b, err := json.Marshal(r)
	if err != nil {
		// A reservation is plain data: it always encodes.
		panic(fmt.Sprintf("encode reservation %s: %v", r.ID, err))
	}
	if c.reservations == nil {
		c.reservations = make(map[string][]byte)
	}
	c.reservations[r.ID] = b
}

// merge adds the later changes d to c.
func (c *changes) merge(d *changes) {
	for k, r := range d.stock {
		c.putStock(k, r)
	}
	for id, b := range d.reservations {
		if c.reservations == nil {
			c.reservations = make(map[string][]byte)
		}
		c.reservations[id] = b
	}
	c.deleted = append(c.deleted, d.deleted...)
	c.seed = c.seed || d.seed
}

func (c *changes) empty() bool {
	return !c.seed && len(c.stock) == 0 && len(c.reservations) == 0 && len(c.deleted) == 0
}

// store keeps the state that must survive a restart. Save returns only
// once the changes are durable.
type store interface {
	// Load returns every stock row and reservation; ok is false when the
	// store holds no stock yet (a fresh data directory).
	Load() (rows map[stockKey]stockRow, res []*reservation, ok bool, err error)
	Save(c *changes) error
	Close() error
}

// memStore keeps nothing: the state lives only in the service's memory.
type memStore struct{}

func (memStore) Load() (map[stockKey]stockRow, []*reservation, bool, error) {
	return nil, nil, false, nil
}
func (memStore) Save(*changes) error { return nil }
func (memStore) Close() error        { return nil }

var (
	bucketStock        = []byte("stock")
	bucketReservations = []byte("reservations")
	bucketMeta         = []byte("meta")
	keySeeded          = []byte("seeded")
)

// boltStore keeps the state in one bbolt file; every Save is one fsynced
// transaction.
type boltStore struct {
	db *bolt.DB
}

// dbFileName is the file in the data directory.
const dbFileName = "omniroute.db"

func openBoltStore(dir string) (*boltStore, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("data dir %s: %w", dir, err)
	}
	path := filepath.Join(dir, dbFileName)
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		if errors.Is(err, berrors.ErrTimeout) {
			return nil, fmt.Errorf("open %s: locked by another process", path)
		}
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketStock, bucketReservations, bucketMeta} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("init %s: %w", path, err)
	}
	return &boltStore{db: db}, nil
}

func encodeStockKey(k stockKey) []byte {
	return []byte(k.node + "\x00" + k.sku)
}

func decodeStockKey(b []byte) (stockKey, error) {
	node, sku, ok := strings.Cut(string(b), "\x00")
	if !ok {
		return stockKey{}, fmt.Errorf("bad stock key %q", b)
	}
	return stockKey{node: node, sku: sku}, nil
}

func encodeStockRow(r stockRow) []byte {
	b := make([]byte, 16)
	binary.BigEndian.PutUint32(b[0:], uint32(r.OnHand))
	binary.BigEndian.PutUint32(b[4:], uint32(r.Safety))
	binary.BigEndian.PutUint64(b[8:], r.Seq)
	return b
}

func decodeStockRow(b []byte) (stockRow, error) {
	if len(b) != 16 {
		return stockRow{}, fmt.Errorf("bad stock row of %d bytes", len(b))
	}
	return stockRow{
		OnHand: int32(binary.BigEndian.Uint32(b[0:])),
		Safety: int32(binary.BigEndian.Uint32(b[4:])),
		Seq:    binary.BigEndian.Uint64(b[8:]),
	}, nil
}

func (s *boltStore) Load() (map[stockKey]stockRow, []*reservation, bool, error) {
	rows := make(map[stockKey]stockRow)
	var res []*reservation
	var seeded bool
	err := s.db.View(func(tx *bolt.Tx) error {
		seeded = tx.Bucket(bucketMeta).Get(keySeeded) != nil
		err := tx.Bucket(bucketStock).ForEach(func(k, v []byte) error {
			key, err := decodeStockKey(k)
			if err != nil {
				return err
			}
			row, err := decodeStockRow(v)
			if err != nil {
				return fmt.Errorf("stock %s/%s: %w", key.node, key.sku, err)
			}
			rows[key] = row
			return nil
		})
		if err != nil {
			return err
		}
		return tx.Bucket(bucketReservations).ForEach(func(k, v []byte) error {
			r := new(reservation)
			if err := json.Unmarshal(v, r); err != nil {
				return fmt.Errorf("reservation %s: %w", k, err)
			}
			res = append(res, r)
			return nil
		})
	})
	if err != nil {
		return nil, nil, false, fmt.Errorf("load %s: %w", s.db.Path(), err)
	}
	return rows, res, seeded, nil
}

func (s *boltStore) Save(c *changes) error {
	if c.empty() {
		return nil
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketMeta).Put(keySeeded, []byte{1}); err != nil {
			return err
		}
		sb := tx.Bucket(bucketStock)
		for k, r := range c.stock {
			if err := sb.Put(encodeStockKey(k), encodeStockRow(r)); err != nil {
				return err
			}
		}
		rb := tx.Bucket(bucketReservations)
		for id, v := range c.reservations {
			if err := rb.Put([]byte(id), v); err != nil {
				return err
			}
		}
		for _, id := range c.deleted {
			if err := rb.Delete([]byte(id)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("save %s: %w", s.db.Path(), err)
	}
	return nil
}

func (s *boltStore) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close %s: %w", s.db.Path(), err)
	}
	return nil
}
