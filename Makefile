export PATH := $(PATH):$(shell go env GOPATH)/bin

.PHONY: proto
proto:
	protoc -I api --go_out=api --go_opt=paths=source_relative \
		--go-grpc_out=api --go-grpc_opt=paths=source_relative \
		api/omniroute/v1/omniroute.proto
