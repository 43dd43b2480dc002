// Original file: proto/noderoll/agent/v1/agent.proto


export interface ListFailedUnitsRequest {
}

export interface ListFailedUnitsRequest__Output {
}
