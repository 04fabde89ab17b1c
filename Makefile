# omniroute — make install | make run | make test | make bench | make proto | make lint | make readme-check
GO        ?= go
GOPATH_BIN := $(shell $(GO) env GOPATH)/bin
export PATH := $(PATH):$(GOPATH_BIN)
BIN       := bin/omniroute
LOADTEST_DURATION ?= 10s
LOADTEST_FLAGS    ?=
BENCHTIME ?= 1s

.PHONY: all build install run test bench bench-go loadtest proto proto-tools lint readme-check clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/omniroute

## install: go install the omniroute command into $(go env GOBIN), by default $(go env GOPATH)/bin
install:
	$(GO) install ./cmd/omniroute

## run: serve the embedded demo network on localhost: gRPC on :50051 (with reflection), HTTP/JSON on :8080, metrics on :9090
run: build
	./$(BIN) serve --reflection --http-addr localhost:8080

## test: every test, with the race detector
test:
	$(GO) test -race -count=1 -timeout 20m ./...

## bench: Go benchmarks, then a short load test against a real server
bench: bench-go loadtest

bench-go:
	$(GO) test -run='^$$' -bench=. -benchmem -benchtime=$(BENCHTIME) ./...

loadtest: build
	./scripts/loadtest.sh ./$(BIN) $(LOADTEST_DURATION) --warmup 1s $(LOADTEST_FLAGS)

## proto: regenerate api/ from the .proto (protoc from Debian's protobuf-compiler):
## the Go messages and gRPC services, the HTTP/JSON gateway and the OpenAPI file,
## whose routes are in api/omniroute/v1/omniroute_http.yaml
GATEWAY_VERSION := v2.33.0
# The vtprotobuf version gRPC already requires (go.mod), so that its runtime and the plugin match.
VTPROTO_VERSION := v0.6.1-0.20240319094008-0393e58bdf10
proto-tools:
	@command -v protoc >/dev/null || { echo "protoc missing: apt-get install protobuf-compiler"; exit 1; }
	$(GO) install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12
	$(GO) install google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.6.2
	$(GO) install github.com/planetscale/vtprotobuf/cmd/protoc-gen-go-vtproto@$(VTPROTO_VERSION)
	$(GO) install github.com/grpc-ecosystem/grpc-gateway/v2/protoc-gen-grpc-gateway@$(GATEWAY_VERSION)
	$(GO) install github.com/grpc-ecosystem/grpc-gateway/v2/protoc-gen-openapiv2@$(GATEWAY_VERSION)

proto: proto-tools
	protoc -I api --go_out=api --go_opt=paths=source_relative \
		--go-grpc_out=api --go-grpc_opt=paths=source_relative \
		--go-vtproto_out=api --go-vtproto_opt=paths=source_relative,features=marshal+unmarshal+size \
		--grpc-gateway_out=api --grpc-gateway_opt=paths=source_relative \
		--grpc-gateway_opt=grpc_api_configuration=api/omniroute/v1/omniroute_http.yaml \
		--openapiv2_out=api --openapiv2_opt=grpc_api_configuration=api/omniroute/v1/omniroute_http.yaml \
		--openapiv2_opt=openapi_configuration=api/omniroute/v1/omniroute_openapi.yaml \
		--openapiv2_opt=json_names_for_fields=false,openapi_naming_strategy=simple \
		api/omniroute/v1/omniroute.proto

## lint: gofmt, go vet, staticcheck
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	@command -v staticcheck >/dev/null || $(GO) install honnef.co/go/tools/cmd/staticcheck@v0.8.2
	staticcheck ./...

## readme-check: run the ```sh examples of README.md, then of docs/*.md, in order in a fresh copy of the repository
## (internal/readmecheck says how blocks are marked; needs the ports 50051, 9090 and 8080 free)
readme-check:
	$(GO) test -tags readme -run '^TestREADME$$' -count=1 -timeout 30m -v ./internal/readmecheck

clean:
	rm -rf bin
