// Original file: proto/noderoll/agent/v1/agent.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { CheckEtcdHealthRequest as _noderoll_agent_v1_CheckEtcdHealthRequest, CheckEtcdHealthRequest__Output as _noderoll_agent_v1_CheckEtcdHealthRequest__Output } from '../../../noderoll/agent/v1/CheckEtcdHealthRequest.js';
import type { CheckEtcdHealthResponse as _noderoll_agent_v1_CheckEtcdHealthResponse, CheckEtcdHealthResponse__Output as _noderoll_agent_v1_CheckEtcdHealthResponse__Output } from '../../../noderoll/agent/v1/CheckEtcdHealthResponse.js';
import type { EnableUnitRequest as _noderoll_agent_v1_EnableUnitRequest, EnableUnitRequest__Output as _noderoll_agent_v1_EnableUnitRequest__Output } from '../../../noderoll/agent/v1/EnableUnitRequest.js';
import type { EtcdSnapshotEvent as _noderoll_agent_v1_EtcdSnapshotEvent, EtcdSnapshotEvent__Output as _noderoll_agent_v1_EtcdSnapshotEvent__Output } from '../../../noderoll/agent/v1/EtcdSnapshotEvent.js';
import type { GetNodeInfoRequest as _noderoll_agent_v1_GetNodeInfoRequest, GetNodeInfoRequest__Output as _noderoll_agent_v1_GetNodeInfoRequest__Output } from '../../../noderoll/agent/v1/GetNodeInfoRequest.js';
import type { GetOperationRequest as _noderoll_agent_v1_GetOperationRequest, GetOperationRequest__Output as _noderoll_agent_v1_GetOperationRequest__Output } from '../../../noderoll/agent/v1/GetOperationRequest.js';
import type { GetRebootAdviceRequest as _noderoll_agent_v1_GetRebootAdviceRequest, GetRebootAdviceRequest__Output as _noderoll_agent_v1_GetRebootAdviceRequest__Output } from '../../../noderoll/agent/v1/GetRebootAdviceRequest.js';
import type { InstallEvent as _noderoll_agent_v1_InstallEvent, InstallEvent__Output as _noderoll_agent_v1_InstallEvent__Output } from '../../../noderoll/agent/v1/InstallEvent.js';
import type { InstallRequest as _noderoll_agent_v1_InstallRequest, InstallRequest__Output as _noderoll_agent_v1_InstallRequest__Output } from '../../../noderoll/agent/v1/InstallRequest.js';
import type { ListFailedUnitsRequest as _noderoll_agent_v1_ListFailedUnitsRequest, ListFailedUnitsRequest__Output as _noderoll_agent_v1_ListFailedUnitsRequest__Output } from '../../../noderoll/agent/v1/ListFailedUnitsRequest.js';
import type { ListOperationsRequest as _noderoll_agent_v1_ListOperationsRequest, ListOperationsRequest__Output as _noderoll_agent_v1_ListOperationsRequest__Output } from '../../../noderoll/agent/v1/ListOperationsRequest.js';
import type { ListOperationsResponse as _noderoll_agent_v1_ListOperationsResponse, ListOperationsResponse__Output as _noderoll_agent_v1_ListOperationsResponse__Output } from '../../../noderoll/agent/v1/ListOperationsResponse.js';
import type { ListUnitsRequest as _noderoll_agent_v1_ListUnitsRequest, ListUnitsRequest__Output as _noderoll_agent_v1_ListUnitsRequest__Output } from '../../../noderoll/agent/v1/ListUnitsRequest.js';
import type { ListUnitsResponse as _noderoll_agent_v1_ListUnitsResponse, ListUnitsResponse__Output as _noderoll_agent_v1_ListUnitsResponse__Output } from '../../../noderoll/agent/v1/ListUnitsResponse.js';
import type { NodeInfo as _noderoll_agent_v1_NodeInfo, NodeInfo__Output as _noderoll_agent_v1_NodeInfo__Output } from '../../../noderoll/agent/v1/NodeInfo.js';
import type { Operation as _noderoll_agent_v1_Operation, Operation__Output as _noderoll_agent_v1_Operation__Output } from '../../../noderoll/agent/v1/Operation.js';
import type { RebootAdvice as _noderoll_agent_v1_RebootAdvice, RebootAdvice__Output as _noderoll_agent_v1_RebootAdvice__Output } from '../../../noderoll/agent/v1/RebootAdvice.js';
import type { RebootRequest as _noderoll_agent_v1_RebootRequest, RebootRequest__Output as _noderoll_agent_v1_RebootRequest__Output } from '../../../noderoll/agent/v1/RebootRequest.js';
import type { RebootResponse as _noderoll_agent_v1_RebootResponse, RebootResponse__Output as _noderoll_agent_v1_RebootResponse__Output } from '../../../noderoll/agent/v1/RebootResponse.js';
import type { RunPlanetChecksRequest as _noderoll_agent_v1_RunPlanetChecksRequest, RunPlanetChecksRequest__Output as _noderoll_agent_v1_RunPlanetChecksRequest__Output } from '../../../noderoll/agent/v1/RunPlanetChecksRequest.js';
import type { RunPlanetChecksResponse as _noderoll_agent_v1_RunPlanetChecksResponse, RunPlanetChecksResponse__Output as _noderoll_agent_v1_RunPlanetChecksResponse__Output } from '../../../noderoll/agent/v1/RunPlanetChecksResponse.js';
import type { SaveEtcdSnapshotRequest as _noderoll_agent_v1_SaveEtcdSnapshotRequest, SaveEtcdSnapshotRequest__Output as _noderoll_agent_v1_SaveEtcdSnapshotRequest__Output } from '../../../noderoll/agent/v1/SaveEtcdSnapshotRequest.js';
import type { ScanJournalEvent as _noderoll_agent_v1_ScanJournalEvent, ScanJournalEvent__Output as _noderoll_agent_v1_ScanJournalEvent__Output } from '../../../noderoll/agent/v1/ScanJournalEvent.js';
import type { ScanJournalRequest as _noderoll_agent_v1_ScanJournalRequest, ScanJournalRequest__Output as _noderoll_agent_v1_ScanJournalRequest__Output } from '../../../noderoll/agent/v1/ScanJournalRequest.js';
import type { SetUpdatePhaseRequest as _noderoll_agent_v1_SetUpdatePhaseRequest, SetUpdatePhaseRequest__Output as _noderoll_agent_v1_SetUpdatePhaseRequest__Output } from '../../../noderoll/agent/v1/SetUpdatePhaseRequest.js';
import type { SetUpdatePhaseResponse as _noderoll_agent_v1_SetUpdatePhaseResponse, SetUpdatePhaseResponse__Output as _noderoll_agent_v1_SetUpdatePhaseResponse__Output } from '../../../noderoll/agent/v1/SetUpdatePhaseResponse.js';
import type { UnitActionRequest as _noderoll_agent_v1_UnitActionRequest, UnitActionRequest__Output as _noderoll_agent_v1_UnitActionRequest__Output } from '../../../noderoll/agent/v1/UnitActionRequest.js';
import type { UnitActionResponse as _noderoll_agent_v1_UnitActionResponse, UnitActionResponse__Output as _noderoll_agent_v1_UnitActionResponse__Output } from '../../../noderoll/agent/v1/UnitActionResponse.js';

export interface NodeAgentClient extends grpc.Client {
  /**
   * Health of every etcd member, asked on this node with the client certificates that stay on it
   * (the agent's configured etcd section; kubeadm: /etc/kubernetes/pki/etcd/…). Read-only.
   */
  CheckEtcdHealth(argument: _noderoll_agent_v1_CheckEtcdHealthRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_noderoll_agent_v1_CheckEtcdHealthResponse__Output>): grpc.ClientUnaryCall;
  CheckEtcdHealth(argument: _noderoll_agent_v1_CheckEtcdHealthRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_noderoll_agent_v1_CheckEtcdHealthResponse__Output>): grpc.ClientUnaryCall;
  CheckEtcdHealth(argument: _noderoll_agent_v1_CheckEtcdHealthRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_noderoll_agent_v1_CheckEtcdHealthResponse__Output>): grpc.ClientUnaryCall;
  CheckEtcdHealth(argument: _noderoll_agent_v1_CheckEtcdHealthRequest, callback: grpc.requestCallback<_noderoll_agent_v1_CheckEtcdHealthResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Health of every etcd member, asked on this node with the client certificates that stay on it
   * (the agent's configured etcd section; kubeadm: /etc/kubernetes/pki/etcd/…). Read-only.
   */
  checkEtcdHealth(argument: _noderoll_agent_v1_CheckEtcdHealthRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_noderoll_agent_v1_CheckEtcdHealthResponse__Output>): grpc.ClientUnaryCall;
  checkEtcdHealth(argument: _noderoll_agent_v1_CheckEtcdHealthRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_noderoll_agent_v1_CheckEtcdHealthResponse__Output>): grpc.ClientUnaryCall;
  checkEtcdHealth(argument: _noderoll_agent_v1_CheckEtcdHealthRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_noderoll_agent_v1_CheckEtcdHealthResponse__Output>): grpc.ClientUnaryCall;
  checkEtcdHealth(argument: _noderoll_agent_v1_CheckEtcdHealthRequest, callback: grpc.requestCallback<_noderoll_agent_v1_CheckEtcdHealthResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * `systemctl enable [--now]` an allowed unit.
   */
  EnableUnit(argument: _noderoll_agent_v1_EnableUnitRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_noderoll_agent_v1_UnitActionResponse__Output>): grpc.ClientUnaryCall;
  EnableUnit(argument: _noderoll_agent_v1_EnableUnitRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_noderoll_agent_v1_UnitActionResponse__Output>): grpc.ClientUnaryCall;
  EnableUnit(argument: _noderoll_agent_v1_EnableUnitRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_noderoll_agent_v1_UnitActionResponse__Output>): grpc.ClientUnaryCall;
  EnableUnit(argument: _noderoll_agent_v1_EnableUnitRequest, callback: grpc.requestCallback<_noderoll_agent_v1_UnitActionResponse__Output>): grpc.ClientUnaryCall;
  /**
   * `systemctl enable [--now]` an allowed unit.
   */
  enableUnit(argument: _noderoll_agent_v1_EnableUnitRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_noderoll_agent_v1_UnitActionResponse__Output>): grpc.ClientUnaryCall;
  enableUnit(argument: _noderoll_agent_v1_EnableUnitRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_noderoll_agent_v1_UnitActionResponse__Output>): grpc.ClientUnaryCall;
  enableUnit(argument: _noderoll_agent_v1_EnableUnitRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_noderoll_agent_v1_UnitActionResponse__Output>): grpc.ClientUnaryCall;
  enableUnit(argument: _noderoll_agent_v1_EnableUnitRequest, callback: grpc.requestCallback<_noderoll_agent_v1_UnitActionResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Node identity and state: hostname, machine-id, boot, OS, versions, watched packages, current operation.
   */
  GetNodeInfo(argument: _noderoll_agent_v1_GetNodeInfoRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_noderoll_agent_v1_NodeInfo__Output>): grpc.ClientUnaryCall;
  GetNodeInfo(argument: _noderoll_agent_v1_GetNodeInfoRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_noderoll_agent_v1_NodeInfo__Output>): grpc.ClientUnaryCall;
  GetNodeInfo(argument: _noderoll_agent_v1_GetNodeInfoRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_noderoll_agent_v1_NodeInfo__Output>): grpc.ClientUnaryCall;
  GetNodeInfo(argument: _noderoll_agent_v1_GetNodeInfoRequest, callback: grpc.requestCallback<_noderoll_agent_v1_NodeInfo__Output>): grpc.ClientUnaryCall;
  /**
   * Node identity and state: hostname, machine-id, boot, OS, versions, watched packages, current operation.
   */
  getNodeInfo(argument: _noderoll_agent_v1_GetNodeInfoRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_noderoll_agent_v1_NodeInfo__Output>): grpc.ClientUnaryCall;
  getNodeInfo(argument: _noderoll_agent_v1_GetNodeInfoRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_noderoll_agent_v1_NodeInfo__Output>): grpc.ClientUnaryCall;
  getNodeInfo(argument: _noderoll_agent_v1_GetNodeInfoRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_noderoll_agent_v1_NodeInfo__Output>): grpc.ClientUnaryCall;
  getNodeInfo(argument: _noderoll_agent_v1_GetNodeInfoRequest, callback: grpc.requestCallback<_noderoll_agent_v1_NodeInfo__Output>): grpc.ClientUnaryCall;
  
  GetOperation(argument: _noderoll_agent_v1_GetOperationRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_noderoll_agent_v1_Operation__Output>): grpc.ClientUnaryCall;
  GetOperation(argument: _noderoll_agent_v1_GetOperationRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_noderoll_agent_v1_Operation__Output>): grpc.ClientUnaryCall;
  GetOperation(argument: _noderoll_agent_v1_GetOperationRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_noderoll_agent_v1_Operation__Output>): grpc.ClientUnaryCall;
  GetOperation(argument: _noderoll_agent_v1_GetOperationRequest, callback: grpc.requestCallback<_noderoll_agent_v1_Operation__Output>): grpc.ClientUnaryCall;
  getOperation(argument: _noderoll_agent_v1_GetOperationRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_noderoll_agent_v1_Operation__Output>): grpc.ClientUnaryCall;
  getOperation(argument: _noderoll_agent_v1_GetOperationRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_noderoll_agent_v1_Operation__Output>): grpc.ClientUnaryCall;
  getOperation(argument: _noderoll_agent_v1_GetOperationRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_noderoll_agent_v1_Operation__Output>): grpc.ClientUnaryCall;
  getOperation(argument: _noderoll_agent_v1_GetOperationRequest, callback: grpc.requestCallback<_noderoll_agent_v1_Operation__Output>): grpc.ClientUnaryCall;
  
  /**
   * Whether the node needs a reboot now (after an install) and which services need a restart:
   * /var/run/reboot-required (Debian/Ubuntu), `needs-restarting -r` (RHEL-like), a newer kernel
   * installed than the one running; services whose processes still map replaced files. Read-only.
   */
  GetRebootAdvice(argument: _noderoll_agent_v1_GetRebootAdviceRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_noderoll_agent_v1_RebootAdvice__Output>): grpc.ClientUnaryCall;
  GetRebootAdvice(argument: _noderoll_agent_v1_GetRebootAdviceRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_noderoll_agent_v1_RebootAdvice__Output>): grpc.ClientUnaryCall;
  GetRebootAdvice(argument: _noderoll_agent_v1_GetRebootAdviceRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_noderoll_agent_v1_RebootAdvice__Output>): grpc.ClientUnaryCall;
  GetRebootAdvice(argument: _noderoll_agent_v1_GetRebootAdviceRequest, callback: grpc.requestCallback<_noderoll_agent_v1_RebootAdvice__Output>): grpc.ClientUnaryCall;
  /**
   * Whether the node needs a reboot now (after an install) and which services need a restart:
   * /var/run/reboot-required (Debian/Ubuntu), `needs-restarting -r` (RHEL-like), a newer kernel
   * installed than the one running; services whose processes still map replaced files. Read-only.
   */
  getRebootAdvice(argument: _noderoll_agent_v1_GetRebootAdviceRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_noderoll_agent_v1_RebootAdvice__Output>): grpc.ClientUnaryCall;
  getRebootAdvice(argument: _noderoll_agent_v1_GetRebootAdviceRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_noderoll_agent_v1_RebootAdvice__Output>): grpc.ClientUnaryCall;
  getRebootAdvice(argument: _noderoll_agent_v1_GetRebootAdviceRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_noderoll_agent_v1_RebootAdvice__Output>): grpc.ClientUnaryCall;
  getRebootAdvice(argument: _noderoll_agent_v1_GetRebootAdviceRequest, callback: grpc.requestCallback<_noderoll_agent_v1_RebootAdvice__Output>): grpc.ClientUnaryCall;
  
  /**
   * Runs the configured install command for a target version, streaming its output live.
   */
  Install(argument: _noderoll_agent_v1_InstallRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_noderoll_agent_v1_InstallEvent__Output>;
  Install(argument: _noderoll_agent_v1_InstallRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_noderoll_agent_v1_InstallEvent__Output>;
  /**
   * Runs the configured install command for a target version, streaming its output live.
   */
  install(argument: _noderoll_agent_v1_InstallRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_noderoll_agent_v1_InstallEvent__Output>;
  install(argument: _noderoll_agent_v1_InstallRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_noderoll_agent_v1_InstallEvent__Output>;
  
  /**
   * `systemctl --failed`: units in the failed state.
   */
  ListFailedUnits(argument: _noderoll_agent_v1_ListFailedUnitsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_noderoll_agent_v1_ListUnitsResponse__Output>): grpc.ClientUnaryCall;
  ListFailedUnits(argument: _noderoll_agent_v1_ListFailedUnitsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_noderoll_agent_v1_ListUnitsResponse__Output>): grpc.ClientUnaryCall;
  ListFailedUnits(argument: _noderoll_agent_v1_ListFailedUnitsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_noderoll_agent_v1_ListUnitsResponse__Output>): grpc.ClientUnaryCall;
  ListFailedUnits(argument: _noderoll_agent_v1_ListFailedUnitsRequest, callback: grpc.requestCallback<_noderoll_agent_v1_ListUnitsResponse__Output>): grpc.ClientUnaryCall;
  /**
   * `systemctl --failed`: units in the failed state.
   */
  listFailedUnits(argument: _noderoll_agent_v1_ListFailedUnitsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_noderoll_agent_v1_ListUnitsResponse__Output>): grpc.ClientUnaryCall;
  listFailedUnits(argument: _noderoll_agent_v1_ListFailedUnitsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_noderoll_agent_v1_ListUnitsResponse__Output>): grpc.ClientUnaryCall;
  listFailedUnits(argument: _noderoll_agent_v1_ListFailedUnitsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_noderoll_agent_v1_ListUnitsResponse__Output>): grpc.ClientUnaryCall;
  listFailedUnits(argument: _noderoll_agent_v1_ListFailedUnitsRequest, callback: grpc.requestCallback<_noderoll_agent_v1_ListUnitsResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Most recent first.
   */
  ListOperations(argument: _noderoll_agent_v1_ListOperationsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_noderoll_agent_v1_ListOperationsResponse__Output>): grpc.ClientUnaryCall;
  ListOperations(argument: _noderoll_agent_v1_ListOperationsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_noderoll_agent_v1_ListOperationsResponse__Output>): grpc.ClientUnaryCall;
  ListOperations(argument: _noderoll_agent_v1_ListOperationsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_noderoll_agent_v1_ListOperationsResponse__Output>): grpc.ClientUnaryCall;
  ListOperations(argument: _noderoll_agent_v1_ListOperationsRequest, callback: grpc.requestCallback<_noderoll_agent_v1_ListOperationsResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Most recent first.
   */
  listOperations(argument: _noderoll_agent_v1_ListOperationsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_noderoll_agent_v1_ListOperationsResponse__Output>): grpc.ClientUnaryCall;
  listOperations(argument: _noderoll_agent_v1_ListOperationsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_noderoll_agent_v1_ListOperationsResponse__Output>): grpc.ClientUnaryCall;
  listOperations(argument: _noderoll_agent_v1_ListOperationsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_noderoll_agent_v1_ListOperationsResponse__Output>): grpc.ClientUnaryCall;
  listOperations(argument: _noderoll_agent_v1_ListOperationsRequest, callback: grpc.requestCallback<_noderoll_agent_v1_ListOperationsResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Units matching globs (loaded units and unit files), each with load/active/sub/unit-file state.
   */
  ListUnits(argument: _noderoll_agent_v1_ListUnitsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_noderoll_agent_v1_ListUnitsResponse__Output>): grpc.ClientUnaryCall;
  ListUnits(argument: _noderoll_agent_v1_ListUnitsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_noderoll_agent_v1_ListUnitsResponse__Output>): grpc.ClientUnaryCall;
  ListUnits(argument: _noderoll_agent_v1_ListUnitsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_noderoll_agent_v1_ListUnitsResponse__Output>): grpc.ClientUnaryCall;
  ListUnits(argument: _noderoll_agent_v1_ListUnitsRequest, callback: grpc.requestCallback<_noderoll_agent_v1_ListUnitsResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Units matching globs (loaded units and unit files), each with load/active/sub/unit-file state.
   */
  listUnits(argument: _noderoll_agent_v1_ListUnitsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_noderoll_agent_v1_ListUnitsResponse__Output>): grpc.ClientUnaryCall;
  listUnits(argument: _noderoll_agent_v1_ListUnitsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_noderoll_agent_v1_ListUnitsResponse__Output>): grpc.ClientUnaryCall;
  listUnits(argument: _noderoll_agent_v1_ListUnitsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_noderoll_agent_v1_ListUnitsResponse__Output>): grpc.ClientUnaryCall;
  listUnits(argument: _noderoll_agent_v1_ListUnitsRequest, callback: grpc.requestCallback<_noderoll_agent_v1_ListUnitsResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Records the operation and the current boot ID, replies, then reboots with the configured command.
   */
  Reboot(argument: _noderoll_agent_v1_RebootRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_noderoll_agent_v1_RebootResponse__Output>): grpc.ClientUnaryCall;
  Reboot(argument: _noderoll_agent_v1_RebootRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_noderoll_agent_v1_RebootResponse__Output>): grpc.ClientUnaryCall;
  Reboot(argument: _noderoll_agent_v1_RebootRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_noderoll_agent_v1_RebootResponse__Output>): grpc.ClientUnaryCall;
  Reboot(argument: _noderoll_agent_v1_RebootRequest, callback: grpc.requestCallback<_noderoll_agent_v1_RebootResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Records the operation and the current boot ID, replies, then reboots with the configured command.
   */
  reboot(argument: _noderoll_agent_v1_RebootRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_noderoll_agent_v1_RebootResponse__Output>): grpc.ClientUnaryCall;
  reboot(argument: _noderoll_agent_v1_RebootRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_noderoll_agent_v1_RebootResponse__Output>): grpc.ClientUnaryCall;
  reboot(argument: _noderoll_agent_v1_RebootRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_noderoll_agent_v1_RebootResponse__Output>): grpc.ClientUnaryCall;
  reboot(argument: _noderoll_agent_v1_RebootRequest, callback: grpc.requestCallback<_noderoll_agent_v1_RebootResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * `systemctl restart` an allowed unit and wait until it is active again.
   */
  RestartUnit(argument: _noderoll_agent_v1_UnitActionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_noderoll_agent_v1_UnitActionResponse__Output>): grpc.ClientUnaryCall;
  RestartUnit(argument: _noderoll_agent_v1_UnitActionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_noderoll_agent_v1_UnitActionResponse__Output>): grpc.ClientUnaryCall;
  RestartUnit(argument: _noderoll_agent_v1_UnitActionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_noderoll_agent_v1_UnitActionResponse__Output>): grpc.ClientUnaryCall;
  RestartUnit(argument: _noderoll_agent_v1_UnitActionRequest, callback: grpc.requestCallback<_noderoll_agent_v1_UnitActionResponse__Output>): grpc.ClientUnaryCall;
  /**
   * `systemctl restart` an allowed unit and wait until it is active again.
   */
  restartUnit(argument: _noderoll_agent_v1_UnitActionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_noderoll_agent_v1_UnitActionResponse__Output>): grpc.ClientUnaryCall;
  restartUnit(argument: _noderoll_agent_v1_UnitActionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_noderoll_agent_v1_UnitActionResponse__Output>): grpc.ClientUnaryCall;
  restartUnit(argument: _noderoll_agent_v1_UnitActionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_noderoll_agent_v1_UnitActionResponse__Output>): grpc.ClientUnaryCall;
  restartUnit(argument: _noderoll_agent_v1_UnitActionRequest, callback: grpc.requestCallback<_noderoll_agent_v1_UnitActionResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * The runbook's "gravity enter and check the results": configured read-only checks inside planet.
   */
  RunPlanetChecks(argument: _noderoll_agent_v1_RunPlanetChecksRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_noderoll_agent_v1_RunPlanetChecksResponse__Output>): grpc.ClientUnaryCall;
  RunPlanetChecks(argument: _noderoll_agent_v1_RunPlanetChecksRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_noderoll_agent_v1_RunPlanetChecksResponse__Output>): grpc.ClientUnaryCall;
  RunPlanetChecks(argument: _noderoll_agent_v1_RunPlanetChecksRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_noderoll_agent_v1_RunPlanetChecksResponse__Output>): grpc.ClientUnaryCall;
  RunPlanetChecks(argument: _noderoll_agent_v1_RunPlanetChecksRequest, callback: grpc.requestCallback<_noderoll_agent_v1_RunPlanetChecksResponse__Output>): grpc.ClientUnaryCall;
  /**
   * The runbook's "gravity enter and check the results": configured read-only checks inside planet.
   */
  runPlanetChecks(argument: _noderoll_agent_v1_RunPlanetChecksRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_noderoll_agent_v1_RunPlanetChecksResponse__Output>): grpc.ClientUnaryCall;
  runPlanetChecks(argument: _noderoll_agent_v1_RunPlanetChecksRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_noderoll_agent_v1_RunPlanetChecksResponse__Output>): grpc.ClientUnaryCall;
  runPlanetChecks(argument: _noderoll_agent_v1_RunPlanetChecksRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_noderoll_agent_v1_RunPlanetChecksResponse__Output>): grpc.ClientUnaryCall;
  runPlanetChecks(argument: _noderoll_agent_v1_RunPlanetChecksRequest, callback: grpc.requestCallback<_noderoll_agent_v1_RunPlanetChecksResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Takes an etcd snapshot on this node (the profile's configured command: `etcdctl snapshot save`
   * or `k3s etcd-snapshot save`), verifies it (`etcdctl snapshot status`) and streams it to the
   * caller in chunks, then its size and SHA-256. With datastore sqlite (a single k3s server): an
   * online backup of k3s's SQLite database, checked with `PRAGMA integrity_check`. A mutating operation (operation_id, replayed from
   * the ledger: a replay streams the kept snapshot again when it is still on disk).
   */
  SaveEtcdSnapshot(argument: _noderoll_agent_v1_SaveEtcdSnapshotRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_noderoll_agent_v1_EtcdSnapshotEvent__Output>;
  SaveEtcdSnapshot(argument: _noderoll_agent_v1_SaveEtcdSnapshotRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_noderoll_agent_v1_EtcdSnapshotEvent__Output>;
  /**
   * Takes an etcd snapshot on this node (the profile's configured command: `etcdctl snapshot save`
   * or `k3s etcd-snapshot save`), verifies it (`etcdctl snapshot status`) and streams it to the
   * caller in chunks, then its size and SHA-256. With datastore sqlite (a single k3s server): an
   * online backup of k3s's SQLite database, checked with `PRAGMA integrity_check`. A mutating operation (operation_id, replayed from
   * the ledger: a replay streams the kept snapshot again when it is still on disk).
   */
  saveEtcdSnapshot(argument: _noderoll_agent_v1_SaveEtcdSnapshotRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_noderoll_agent_v1_EtcdSnapshotEvent__Output>;
  saveEtcdSnapshot(argument: _noderoll_agent_v1_SaveEtcdSnapshotRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_noderoll_agent_v1_EtcdSnapshotEvent__Output>;
  
  /**
   * Streams journal entries (bounded by count and time), then one summary with the last cursor.
   */
  ScanJournal(argument: _noderoll_agent_v1_ScanJournalRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_noderoll_agent_v1_ScanJournalEvent__Output>;
  ScanJournal(argument: _noderoll_agent_v1_ScanJournalRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_noderoll_agent_v1_ScanJournalEvent__Output>;
  /**
   * Streams journal entries (bounded by count and time), then one summary with the last cursor.
   */
  scanJournal(argument: _noderoll_agent_v1_ScanJournalRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_noderoll_agent_v1_ScanJournalEvent__Output>;
  scanJournal(argument: _noderoll_agent_v1_ScanJournalRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_noderoll_agent_v1_ScanJournalEvent__Output>;
  
  /**
   * Records where the rolling update stands on this node (the runbook step the coordinator runs, or
   * idle/done/halted), for /metrics. Kept in the state directory across reboots. Not a node operation:
   * it changes nothing on the host, is not in the operation ledger and runs beside a running operation.
   */
  SetUpdatePhase(argument: _noderoll_agent_v1_SetUpdatePhaseRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_noderoll_agent_v1_SetUpdatePhaseResponse__Output>): grpc.ClientUnaryCall;
  SetUpdatePhase(argument: _noderoll_agent_v1_SetUpdatePhaseRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_noderoll_agent_v1_SetUpdatePhaseResponse__Output>): grpc.ClientUnaryCall;
  SetUpdatePhase(argument: _noderoll_agent_v1_SetUpdatePhaseRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_noderoll_agent_v1_SetUpdatePhaseResponse__Output>): grpc.ClientUnaryCall;
  SetUpdatePhase(argument: _noderoll_agent_v1_SetUpdatePhaseRequest, callback: grpc.requestCallback<_noderoll_agent_v1_SetUpdatePhaseResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Records where the rolling update stands on this node (the runbook step the coordinator runs, or
   * idle/done/halted), for /metrics. Kept in the state directory across reboots. Not a node operation:
   * it changes nothing on the host, is not in the operation ledger and runs beside a running operation.
   */
  setUpdatePhase(argument: _noderoll_agent_v1_SetUpdatePhaseRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_noderoll_agent_v1_SetUpdatePhaseResponse__Output>): grpc.ClientUnaryCall;
  setUpdatePhase(argument: _noderoll_agent_v1_SetUpdatePhaseRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_noderoll_agent_v1_SetUpdatePhaseResponse__Output>): grpc.ClientUnaryCall;
  setUpdatePhase(argument: _noderoll_agent_v1_SetUpdatePhaseRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_noderoll_agent_v1_SetUpdatePhaseResponse__Output>): grpc.ClientUnaryCall;
  setUpdatePhase(argument: _noderoll_agent_v1_SetUpdatePhaseRequest, callback: grpc.requestCallback<_noderoll_agent_v1_SetUpdatePhaseResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Starts an allowed unit and waits until it is active.
   */
  StartUnit(argument: _noderoll_agent_v1_UnitActionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_noderoll_agent_v1_UnitActionResponse__Output>): grpc.ClientUnaryCall;
  StartUnit(argument: _noderoll_agent_v1_UnitActionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_noderoll_agent_v1_UnitActionResponse__Output>): grpc.ClientUnaryCall;
  StartUnit(argument: _noderoll_agent_v1_UnitActionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_noderoll_agent_v1_UnitActionResponse__Output>): grpc.ClientUnaryCall;
  StartUnit(argument: _noderoll_agent_v1_UnitActionRequest, callback: grpc.requestCallback<_noderoll_agent_v1_UnitActionResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Starts an allowed unit and waits until it is active.
   */
  startUnit(argument: _noderoll_agent_v1_UnitActionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_noderoll_agent_v1_UnitActionResponse__Output>): grpc.ClientUnaryCall;
  startUnit(argument: _noderoll_agent_v1_UnitActionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_noderoll_agent_v1_UnitActionResponse__Output>): grpc.ClientUnaryCall;
  startUnit(argument: _noderoll_agent_v1_UnitActionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_noderoll_agent_v1_UnitActionResponse__Output>): grpc.ClientUnaryCall;
  startUnit(argument: _noderoll_agent_v1_UnitActionRequest, callback: grpc.requestCallback<_noderoll_agent_v1_UnitActionResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Stops an allowed unit and waits until it is really inactive (or failed), within the deadline.
   */
  StopUnit(argument: _noderoll_agent_v1_UnitActionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_noderoll_agent_v1_UnitActionResponse__Output>): grpc.ClientUnaryCall;
  StopUnit(argument: _noderoll_agent_v1_UnitActionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_noderoll_agent_v1_UnitActionResponse__Output>): grpc.ClientUnaryCall;
  StopUnit(argument: _noderoll_agent_v1_UnitActionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_noderoll_agent_v1_UnitActionResponse__Output>): grpc.ClientUnaryCall;
  StopUnit(argument: _noderoll_agent_v1_UnitActionRequest, callback: grpc.requestCallback<_noderoll_agent_v1_UnitActionResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Stops an allowed unit and waits until it is really inactive (or failed), within the deadline.
   */
  stopUnit(argument: _noderoll_agent_v1_UnitActionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_noderoll_agent_v1_UnitActionResponse__Output>): grpc.ClientUnaryCall;
  stopUnit(argument: _noderoll_agent_v1_UnitActionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_noderoll_agent_v1_UnitActionResponse__Output>): grpc.ClientUnaryCall;
  stopUnit(argument: _noderoll_agent_v1_UnitActionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_noderoll_agent_v1_UnitActionResponse__Output>): grpc.ClientUnaryCall;
  stopUnit(argument: _noderoll_agent_v1_UnitActionRequest, callback: grpc.requestCallback<_noderoll_agent_v1_UnitActionResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface NodeAgentHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Health of every etcd member, asked on this node with the client certificates that stay on it
   * (the agent's configured etcd section; kubeadm: /etc/kubernetes/pki/etcd/…). Read-only.
   */
  CheckEtcdHealth: grpc.handleUnaryCall<_noderoll_agent_v1_CheckEtcdHealthRequest__Output, _noderoll_agent_v1_CheckEtcdHealthResponse>;
  
  /**
   * `systemctl enable [--now]` an allowed unit.
   */
  EnableUnit: grpc.handleUnaryCall<_noderoll_agent_v1_EnableUnitRequest__Output, _noderoll_agent_v1_UnitActionResponse>;
  
  /**
   * Node identity and state: hostname, machine-id, boot, OS, versions, watched packages, current operation.
   */
  GetNodeInfo: grpc.handleUnaryCall<_noderoll_agent_v1_GetNodeInfoRequest__Output, _noderoll_agent_v1_NodeInfo>;
  
  GetOperation: grpc.handleUnaryCall<_noderoll_agent_v1_GetOperationRequest__Output, _noderoll_agent_v1_Operation>;
  
  /**
   * Whether the node needs a reboot now (after an install) and which services need a restart:
   * /var/run/reboot-required (Debian/Ubuntu), `needs-restarting -r` (RHEL-like), a newer kernel
   * installed than the one running; services whose processes still map replaced files. Read-only.
   */
  GetRebootAdvice: grpc.handleUnaryCall<_noderoll_agent_v1_GetRebootAdviceRequest__Output, _noderoll_agent_v1_RebootAdvice>;
  
  /**
   * Runs the configured install command for a target version, streaming its output live.
   */
  Install: grpc.handleServerStreamingCall<_noderoll_agent_v1_InstallRequest__Output, _noderoll_agent_v1_InstallEvent>;
  
  /**
   * `systemctl --failed`: units in the failed state.
   */
  ListFailedUnits: grpc.handleUnaryCall<_noderoll_agent_v1_ListFailedUnitsRequest__Output, _noderoll_agent_v1_ListUnitsResponse>;
  
  /**
   * Most recent first.
   */
  ListOperations: grpc.handleUnaryCall<_noderoll_agent_v1_ListOperationsRequest__Output, _noderoll_agent_v1_ListOperationsResponse>;
  
  /**
   * Units matching globs (loaded units and unit files), each with load/active/sub/unit-file state.
   */
  ListUnits: grpc.handleUnaryCall<_noderoll_agent_v1_ListUnitsRequest__Output, _noderoll_agent_v1_ListUnitsResponse>;
  
  /**
   * Records the operation and the current boot ID, replies, then reboots with the configured command.
   */
  Reboot: grpc.handleUnaryCall<_noderoll_agent_v1_RebootRequest__Output, _noderoll_agent_v1_RebootResponse>;
  
  /**
   * `systemctl restart` an allowed unit and wait until it is active again.
   */
  RestartUnit: grpc.handleUnaryCall<_noderoll_agent_v1_UnitActionRequest__Output, _noderoll_agent_v1_UnitActionResponse>;
  
  /**
   * The runbook's "gravity enter and check the results": configured read-only checks inside planet.
   */
  RunPlanetChecks: grpc.handleUnaryCall<_noderoll_agent_v1_RunPlanetChecksRequest__Output, _noderoll_agent_v1_RunPlanetChecksResponse>;
  
  /**
   * Takes an etcd snapshot on this node (the profile's configured command: `etcdctl snapshot save`
   * or `k3s etcd-snapshot save`), verifies it (`etcdctl snapshot status`) and streams it to the
   * caller in chunks, then its size and SHA-256. With datastore sqlite (a single k3s server): an
   * online backup of k3s's SQLite database, checked with `PRAGMA integrity_check`. A mutating operation (operation_id, replayed from
   * the ledger: a replay streams the kept snapshot again when it is still on disk).
   */
  SaveEtcdSnapshot: grpc.handleServerStreamingCall<_noderoll_agent_v1_SaveEtcdSnapshotRequest__Output, _noderoll_agent_v1_EtcdSnapshotEvent>;
  
  /**
   * Streams journal entries (bounded by count and time), then one summary with the last cursor.
   */
  ScanJournal: grpc.handleServerStreamingCall<_noderoll_agent_v1_ScanJournalRequest__Output, _noderoll_agent_v1_ScanJournalEvent>;
  
  /**
   * Records where the rolling update stands on this node (the runbook step the coordinator runs, or
   * idle/done/halted), for /metrics. Kept in the state directory across reboots. Not a node operation:
   * it changes nothing on the host, is not in the operation ledger and runs beside a running operation.
   */
  SetUpdatePhase: grpc.handleUnaryCall<_noderoll_agent_v1_SetUpdatePhaseRequest__Output, _noderoll_agent_v1_SetUpdatePhaseResponse>;
  
  /**
   * Starts an allowed unit and waits until it is active.
   */
  StartUnit: grpc.handleUnaryCall<_noderoll_agent_v1_UnitActionRequest__Output, _noderoll_agent_v1_UnitActionResponse>;
  
  /**
   * Stops an allowed unit and waits until it is really inactive (or failed), within the deadline.
   */
  StopUnit: grpc.handleUnaryCall<_noderoll_agent_v1_UnitActionRequest__Output, _noderoll_agent_v1_UnitActionResponse>;
  
}

export interface NodeAgentDefinition extends grpc.ServiceDefinition {
  CheckEtcdHealth: MethodDefinition<_noderoll_agent_v1_CheckEtcdHealthRequest, _noderoll_agent_v1_CheckEtcdHealthResponse, _noderoll_agent_v1_CheckEtcdHealthRequest__Output, _noderoll_agent_v1_CheckEtcdHealthResponse__Output>
  EnableUnit: MethodDefinition<_noderoll_agent_v1_EnableUnitRequest, _noderoll_agent_v1_UnitActionResponse, _noderoll_agent_v1_EnableUnitRequest__Output, _noderoll_agent_v1_UnitActionResponse__Output>
  GetNodeInfo: MethodDefinition<_noderoll_agent_v1_GetNodeInfoRequest, _noderoll_agent_v1_NodeInfo, _noderoll_agent_v1_GetNodeInfoRequest__Output, _noderoll_agent_v1_NodeInfo__Output>
  GetOperation: MethodDefinition<_noderoll_agent_v1_GetOperationRequest, _noderoll_agent_v1_Operation, _noderoll_agent_v1_GetOperationRequest__Output, _noderoll_agent_v1_Operation__Output>
  GetRebootAdvice: MethodDefinition<_noderoll_agent_v1_GetRebootAdviceRequest, _noderoll_agent_v1_RebootAdvice, _noderoll_agent_v1_GetRebootAdviceRequest__Output, _noderoll_agent_v1_RebootAdvice__Output>
  Install: MethodDefinition<_noderoll_agent_v1_InstallRequest, _noderoll_agent_v1_InstallEvent, _noderoll_agent_v1_InstallRequest__Output, _noderoll_agent_v1_InstallEvent__Output>
  ListFailedUnits: MethodDefinition<_noderoll_agent_v1_ListFailedUnitsRequest, _noderoll_agent_v1_ListUnitsResponse, _noderoll_agent_v1_ListFailedUnitsRequest__Output, _noderoll_agent_v1_ListUnitsResponse__Output>
  ListOperations: MethodDefinition<_noderoll_agent_v1_ListOperationsRequest, _noderoll_agent_v1_ListOperationsResponse, _noderoll_agent_v1_ListOperationsRequest__Output, _noderoll_agent_v1_ListOperationsResponse__Output>
  ListUnits: MethodDefinition<_noderoll_agent_v1_ListUnitsRequest, _noderoll_agent_v1_ListUnitsResponse, _noderoll_agent_v1_ListUnitsRequest__Output, _noderoll_agent_v1_ListUnitsResponse__Output>
  Reboot: MethodDefinition<_noderoll_agent_v1_RebootRequest, _noderoll_agent_v1_RebootResponse, _noderoll_agent_v1_RebootRequest__Output, _noderoll_agent_v1_RebootResponse__Output>
  RestartUnit: MethodDefinition<_noderoll_agent_v1_UnitActionRequest, _noderoll_agent_v1_UnitActionResponse, _noderoll_agent_v1_UnitActionRequest__Output, _noderoll_agent_v1_UnitActionResponse__Output>
  RunPlanetChecks: MethodDefinition<_noderoll_agent_v1_RunPlanetChecksRequest, _noderoll_agent_v1_RunPlanetChecksResponse, _noderoll_agent_v1_RunPlanetChecksRequest__Output, _noderoll_agent_v1_RunPlanetChecksResponse__Output>
  SaveEtcdSnapshot: MethodDefinition<_noderoll_agent_v1_SaveEtcdSnapshotRequest, _noderoll_agent_v1_EtcdSnapshotEvent, _noderoll_agent_v1_SaveEtcdSnapshotRequest__Output, _noderoll_agent_v1_EtcdSnapshotEvent__Output>
  ScanJournal: MethodDefinition<_noderoll_agent_v1_ScanJournalRequest, _noderoll_agent_v1_ScanJournalEvent, _noderoll_agent_v1_ScanJournalRequest__Output, _noderoll_agent_v1_ScanJournalEvent__Output>
  SetUpdatePhase: MethodDefinition<_noderoll_agent_v1_SetUpdatePhaseRequest, _noderoll_agent_v1_SetUpdatePhaseResponse, _noderoll_agent_v1_SetUpdatePhaseRequest__Output, _noderoll_agent_v1_SetUpdatePhaseResponse__Output>
  StartUnit: MethodDefinition<_noderoll_agent_v1_UnitActionRequest, _noderoll_agent_v1_UnitActionResponse, _noderoll_agent_v1_UnitActionRequest__Output, _noderoll_agent_v1_UnitActionResponse__Output>
  StopUnit: MethodDefinition<_noderoll_agent_v1_UnitActionRequest, _noderoll_agent_v1_UnitActionResponse, _noderoll_agent_v1_UnitActionRequest__Output, _noderoll_agent_v1_UnitActionResponse__Output>
}
