// Original file: proto/noderoll/agent/v1/agent.proto


export interface GetRebootAdviceRequest {
}

export interface GetRebootAdviceRequest__Output {
}
