import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { CheckEtcdHealthRequest as _noderoll_agent_v1_CheckEtcdHealthRequest, CheckEtcdHealthRequest__Output as _noderoll_agent_v1_CheckEtcdHealthRequest__Output } from './noderoll/agent/v1/CheckEtcdHealthRequest.js';
import type { CheckEtcdHealthResponse as _noderoll_agent_v1_CheckEtcdHealthResponse, CheckEtcdHealthResponse__Output as _noderoll_agent_v1_CheckEtcdHealthResponse__Output } from './noderoll/agent/v1/CheckEtcdHealthResponse.js';
import type { EnableUnitRequest as _noderoll_agent_v1_EnableUnitRequest, EnableUnitRequest__Output as _noderoll_agent_v1_EnableUnitRequest__Output } from './noderoll/agent/v1/EnableUnitRequest.js';
import type { EtcdMemberHealth as _noderoll_agent_v1_EtcdMemberHealth, EtcdMemberHealth__Output as _noderoll_agent_v1_EtcdMemberHealth__Output } from './noderoll/agent/v1/EtcdMemberHealth.js';
import type { EtcdSnapshotEvent as _noderoll_agent_v1_EtcdSnapshotEvent, EtcdSnapshotEvent__Output as _noderoll_agent_v1_EtcdSnapshotEvent__Output } from './noderoll/agent/v1/EtcdSnapshotEvent.js';
import type { EtcdSnapshotFinished as _noderoll_agent_v1_EtcdSnapshotFinished, EtcdSnapshotFinished__Output as _noderoll_agent_v1_EtcdSnapshotFinished__Output } from './noderoll/agent/v1/EtcdSnapshotFinished.js';
import type { EtcdSnapshotStarted as _noderoll_agent_v1_EtcdSnapshotStarted, EtcdSnapshotStarted__Output as _noderoll_agent_v1_EtcdSnapshotStarted__Output } from './noderoll/agent/v1/EtcdSnapshotStarted.js';
import type { Filesystem as _noderoll_agent_v1_Filesystem, Filesystem__Output as _noderoll_agent_v1_Filesystem__Output } from './noderoll/agent/v1/Filesystem.js';
import type { GetNodeInfoRequest as _noderoll_agent_v1_GetNodeInfoRequest, GetNodeInfoRequest__Output as _noderoll_agent_v1_GetNodeInfoRequest__Output } from './noderoll/agent/v1/GetNodeInfoRequest.js';
import type { GetOperationRequest as _noderoll_agent_v1_GetOperationRequest, GetOperationRequest__Output as _noderoll_agent_v1_GetOperationRequest__Output } from './noderoll/agent/v1/GetOperationRequest.js';
import type { GetRebootAdviceRequest as _noderoll_agent_v1_GetRebootAdviceRequest, GetRebootAdviceRequest__Output as _noderoll_agent_v1_GetRebootAdviceRequest__Output } from './noderoll/agent/v1/GetRebootAdviceRequest.js';
import type { InstallEvent as _noderoll_agent_v1_InstallEvent, InstallEvent__Output as _noderoll_agent_v1_InstallEvent__Output } from './noderoll/agent/v1/InstallEvent.js';
import type { InstallFinished as _noderoll_agent_v1_InstallFinished, InstallFinished__Output as _noderoll_agent_v1_InstallFinished__Output } from './noderoll/agent/v1/InstallFinished.js';
import type { InstallOutcome as _noderoll_agent_v1_InstallOutcome, InstallOutcome__Output as _noderoll_agent_v1_InstallOutcome__Output } from './noderoll/agent/v1/InstallOutcome.js';
import type { InstallRequest as _noderoll_agent_v1_InstallRequest, InstallRequest__Output as _noderoll_agent_v1_InstallRequest__Output } from './noderoll/agent/v1/InstallRequest.js';
import type { InstallStarted as _noderoll_agent_v1_InstallStarted, InstallStarted__Output as _noderoll_agent_v1_InstallStarted__Output } from './noderoll/agent/v1/InstallStarted.js';
import type { JournalEntry as _noderoll_agent_v1_JournalEntry, JournalEntry__Output as _noderoll_agent_v1_JournalEntry__Output } from './noderoll/agent/v1/JournalEntry.js';
import type { ListFailedUnitsRequest as _noderoll_agent_v1_ListFailedUnitsRequest, ListFailedUnitsRequest__Output as _noderoll_agent_v1_ListFailedUnitsRequest__Output } from './noderoll/agent/v1/ListFailedUnitsRequest.js';
import type { ListOperationsRequest as _noderoll_agent_v1_ListOperationsRequest, ListOperationsRequest__Output as _noderoll_agent_v1_ListOperationsRequest__Output } from './noderoll/agent/v1/ListOperationsRequest.js';
import type { ListOperationsResponse as _noderoll_agent_v1_ListOperationsResponse, ListOperationsResponse__Output as _noderoll_agent_v1_ListOperationsResponse__Output } from './noderoll/agent/v1/ListOperationsResponse.js';
import type { ListUnitsRequest as _noderoll_agent_v1_ListUnitsRequest, ListUnitsRequest__Output as _noderoll_agent_v1_ListUnitsRequest__Output } from './noderoll/agent/v1/ListUnitsRequest.js';
import type { ListUnitsResponse as _noderoll_agent_v1_ListUnitsResponse, ListUnitsResponse__Output as _noderoll_agent_v1_ListUnitsResponse__Output } from './noderoll/agent/v1/ListUnitsResponse.js';
import type { NodeAgentClient as _noderoll_agent_v1_NodeAgentClient, NodeAgentDefinition as _noderoll_agent_v1_NodeAgentDefinition } from './noderoll/agent/v1/NodeAgent.js';
import type { NodeInfo as _noderoll_agent_v1_NodeInfo, NodeInfo__Output as _noderoll_agent_v1_NodeInfo__Output } from './noderoll/agent/v1/NodeInfo.js';
import type { Operation as _noderoll_agent_v1_Operation, Operation__Output as _noderoll_agent_v1_Operation__Output } from './noderoll/agent/v1/Operation.js';
import type { OutputLine as _noderoll_agent_v1_OutputLine, OutputLine__Output as _noderoll_agent_v1_OutputLine__Output } from './noderoll/agent/v1/OutputLine.js';
import type { PackageChange as _noderoll_agent_v1_PackageChange, PackageChange__Output as _noderoll_agent_v1_PackageChange__Output } from './noderoll/agent/v1/PackageChange.js';
import type { PackageVersion as _noderoll_agent_v1_PackageVersion, PackageVersion__Output as _noderoll_agent_v1_PackageVersion__Output } from './noderoll/agent/v1/PackageVersion.js';
import type { PlanetCheckResult as _noderoll_agent_v1_PlanetCheckResult, PlanetCheckResult__Output as _noderoll_agent_v1_PlanetCheckResult__Output } from './noderoll/agent/v1/PlanetCheckResult.js';
import type { RebootAdvice as _noderoll_agent_v1_RebootAdvice, RebootAdvice__Output as _noderoll_agent_v1_RebootAdvice__Output } from './noderoll/agent/v1/RebootAdvice.js';
import type { RebootOutcome as _noderoll_agent_v1_RebootOutcome, RebootOutcome__Output as _noderoll_agent_v1_RebootOutcome__Output } from './noderoll/agent/v1/RebootOutcome.js';
import type { RebootRequest as _noderoll_agent_v1_RebootRequest, RebootRequest__Output as _noderoll_agent_v1_RebootRequest__Output } from './noderoll/agent/v1/RebootRequest.js';
import type { RebootResponse as _noderoll_agent_v1_RebootResponse, RebootResponse__Output as _noderoll_agent_v1_RebootResponse__Output } from './noderoll/agent/v1/RebootResponse.js';
import type { RunPlanetChecksRequest as _noderoll_agent_v1_RunPlanetChecksRequest, RunPlanetChecksRequest__Output as _noderoll_agent_v1_RunPlanetChecksRequest__Output } from './noderoll/agent/v1/RunPlanetChecksRequest.js';
import type { RunPlanetChecksResponse as _noderoll_agent_v1_RunPlanetChecksResponse, RunPlanetChecksResponse__Output as _noderoll_agent_v1_RunPlanetChecksResponse__Output } from './noderoll/agent/v1/RunPlanetChecksResponse.js';
import type { SaveEtcdSnapshotRequest as _noderoll_agent_v1_SaveEtcdSnapshotRequest, SaveEtcdSnapshotRequest__Output as _noderoll_agent_v1_SaveEtcdSnapshotRequest__Output } from './noderoll/agent/v1/SaveEtcdSnapshotRequest.js';
import type { ScanJournalEvent as _noderoll_agent_v1_ScanJournalEvent, ScanJournalEvent__Output as _noderoll_agent_v1_ScanJournalEvent__Output } from './noderoll/agent/v1/ScanJournalEvent.js';
import type { ScanJournalRequest as _noderoll_agent_v1_ScanJournalRequest, ScanJournalRequest__Output as _noderoll_agent_v1_ScanJournalRequest__Output } from './noderoll/agent/v1/ScanJournalRequest.js';
import type { ScanJournalSummary as _noderoll_agent_v1_ScanJournalSummary, ScanJournalSummary__Output as _noderoll_agent_v1_ScanJournalSummary__Output } from './noderoll/agent/v1/ScanJournalSummary.js';
import type { SetUpdatePhaseRequest as _noderoll_agent_v1_SetUpdatePhaseRequest, SetUpdatePhaseRequest__Output as _noderoll_agent_v1_SetUpdatePhaseRequest__Output } from './noderoll/agent/v1/SetUpdatePhaseRequest.js';
import type { SetUpdatePhaseResponse as _noderoll_agent_v1_SetUpdatePhaseResponse, SetUpdatePhaseResponse__Output as _noderoll_agent_v1_SetUpdatePhaseResponse__Output } from './noderoll/agent/v1/SetUpdatePhaseResponse.js';
import type { Unit as _noderoll_agent_v1_Unit, Unit__Output as _noderoll_agent_v1_Unit__Output } from './noderoll/agent/v1/Unit.js';
import type { UnitActionRequest as _noderoll_agent_v1_UnitActionRequest, UnitActionRequest__Output as _noderoll_agent_v1_UnitActionRequest__Output } from './noderoll/agent/v1/UnitActionRequest.js';
import type { UnitActionResponse as _noderoll_agent_v1_UnitActionResponse, UnitActionResponse__Output as _noderoll_agent_v1_UnitActionResponse__Output } from './noderoll/agent/v1/UnitActionResponse.js';
import type { UpdatePhase as _noderoll_agent_v1_UpdatePhase, UpdatePhase__Output as _noderoll_agent_v1_UpdatePhase__Output } from './noderoll/agent/v1/UpdatePhase.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  noderoll: {
    agent: {
      v1: {
        BootSelector: EnumTypeDefinition
        CheckEtcdHealthRequest: MessageTypeDefinition<_noderoll_agent_v1_CheckEtcdHealthRequest, _noderoll_agent_v1_CheckEtcdHealthRequest__Output>
        CheckEtcdHealthResponse: MessageTypeDefinition<_noderoll_agent_v1_CheckEtcdHealthResponse, _noderoll_agent_v1_CheckEtcdHealthResponse__Output>
        EnableUnitRequest: MessageTypeDefinition<_noderoll_agent_v1_EnableUnitRequest, _noderoll_agent_v1_EnableUnitRequest__Output>
        EtcdMemberHealth: MessageTypeDefinition<_noderoll_agent_v1_EtcdMemberHealth, _noderoll_agent_v1_EtcdMemberHealth__Output>
        EtcdSnapshotEvent: MessageTypeDefinition<_noderoll_agent_v1_EtcdSnapshotEvent, _noderoll_agent_v1_EtcdSnapshotEvent__Output>
        EtcdSnapshotFinished: MessageTypeDefinition<_noderoll_agent_v1_EtcdSnapshotFinished, _noderoll_agent_v1_EtcdSnapshotFinished__Output>
        EtcdSnapshotStarted: MessageTypeDefinition<_noderoll_agent_v1_EtcdSnapshotStarted, _noderoll_agent_v1_EtcdSnapshotStarted__Output>
        Filesystem: MessageTypeDefinition<_noderoll_agent_v1_Filesystem, _noderoll_agent_v1_Filesystem__Output>
        GetNodeInfoRequest: MessageTypeDefinition<_noderoll_agent_v1_GetNodeInfoRequest, _noderoll_agent_v1_GetNodeInfoRequest__Output>
        GetOperationRequest: MessageTypeDefinition<_noderoll_agent_v1_GetOperationRequest, _noderoll_agent_v1_GetOperationRequest__Output>
        GetRebootAdviceRequest: MessageTypeDefinition<_noderoll_agent_v1_GetRebootAdviceRequest, _noderoll_agent_v1_GetRebootAdviceRequest__Output>
        InstallEvent: MessageTypeDefinition<_noderoll_agent_v1_InstallEvent, _noderoll_agent_v1_InstallEvent__Output>
        InstallFinished: MessageTypeDefinition<_noderoll_agent_v1_InstallFinished, _noderoll_agent_v1_InstallFinished__Output>
        InstallOutcome: MessageTypeDefinition<_noderoll_agent_v1_InstallOutcome, _noderoll_agent_v1_InstallOutcome__Output>
        InstallRequest: MessageTypeDefinition<_noderoll_agent_v1_InstallRequest, _noderoll_agent_v1_InstallRequest__Output>
        InstallStarted: MessageTypeDefinition<_noderoll_agent_v1_InstallStarted, _noderoll_agent_v1_InstallStarted__Output>
        JournalEntry: MessageTypeDefinition<_noderoll_agent_v1_JournalEntry, _noderoll_agent_v1_JournalEntry__Output>
        ListFailedUnitsRequest: MessageTypeDefinition<_noderoll_agent_v1_ListFailedUnitsRequest, _noderoll_agent_v1_ListFailedUnitsRequest__Output>
        ListOperationsRequest: MessageTypeDefinition<_noderoll_agent_v1_ListOperationsRequest, _noderoll_agent_v1_ListOperationsRequest__Output>
        ListOperationsResponse: MessageTypeDefinition<_noderoll_agent_v1_ListOperationsResponse, _noderoll_agent_v1_ListOperationsResponse__Output>
        ListUnitsRequest: MessageTypeDefinition<_noderoll_agent_v1_ListUnitsRequest, _noderoll_agent_v1_ListUnitsRequest__Output>
        ListUnitsResponse: MessageTypeDefinition<_noderoll_agent_v1_ListUnitsResponse, _noderoll_agent_v1_ListUnitsResponse__Output>
        NodeAgent: SubtypeConstructor<typeof grpc.Client, _noderoll_agent_v1_NodeAgentClient> & { service: _noderoll_agent_v1_NodeAgentDefinition }
        NodeInfo: MessageTypeDefinition<_noderoll_agent_v1_NodeInfo, _noderoll_agent_v1_NodeInfo__Output>
        Operation: MessageTypeDefinition<_noderoll_agent_v1_Operation, _noderoll_agent_v1_Operation__Output>
        OperationKind: EnumTypeDefinition
        OperationState: EnumTypeDefinition
        OutputLine: MessageTypeDefinition<_noderoll_agent_v1_OutputLine, _noderoll_agent_v1_OutputLine__Output>
        PackageChange: MessageTypeDefinition<_noderoll_agent_v1_PackageChange, _noderoll_agent_v1_PackageChange__Output>
        PackageVersion: MessageTypeDefinition<_noderoll_agent_v1_PackageVersion, _noderoll_agent_v1_PackageVersion__Output>
        PlanetCheckResult: MessageTypeDefinition<_noderoll_agent_v1_PlanetCheckResult, _noderoll_agent_v1_PlanetCheckResult__Output>
        RebootAdvice: MessageTypeDefinition<_noderoll_agent_v1_RebootAdvice, _noderoll_agent_v1_RebootAdvice__Output>
        RebootOutcome: MessageTypeDefinition<_noderoll_agent_v1_RebootOutcome, _noderoll_agent_v1_RebootOutcome__Output>
        RebootRequest: MessageTypeDefinition<_noderoll_agent_v1_RebootRequest, _noderoll_agent_v1_RebootRequest__Output>
        RebootResponse: MessageTypeDefinition<_noderoll_agent_v1_RebootResponse, _noderoll_agent_v1_RebootResponse__Output>
        RunPlanetChecksRequest: MessageTypeDefinition<_noderoll_agent_v1_RunPlanetChecksRequest, _noderoll_agent_v1_RunPlanetChecksRequest__Output>
        RunPlanetChecksResponse: MessageTypeDefinition<_noderoll_agent_v1_RunPlanetChecksResponse, _noderoll_agent_v1_RunPlanetChecksResponse__Output>
        SaveEtcdSnapshotRequest: MessageTypeDefinition<_noderoll_agent_v1_SaveEtcdSnapshotRequest, _noderoll_agent_v1_SaveEtcdSnapshotRequest__Output>
        ScanJournalEvent: MessageTypeDefinition<_noderoll_agent_v1_ScanJournalEvent, _noderoll_agent_v1_ScanJournalEvent__Output>
        ScanJournalRequest: MessageTypeDefinition<_noderoll_agent_v1_ScanJournalRequest, _noderoll_agent_v1_ScanJournalRequest__Output>
        ScanJournalSummary: MessageTypeDefinition<_noderoll_agent_v1_ScanJournalSummary, _noderoll_agent_v1_ScanJournalSummary__Output>
        SetUpdatePhaseRequest: MessageTypeDefinition<_noderoll_agent_v1_SetUpdatePhaseRequest, _noderoll_agent_v1_SetUpdatePhaseRequest__Output>
        SetUpdatePhaseResponse: MessageTypeDefinition<_noderoll_agent_v1_SetUpdatePhaseResponse, _noderoll_agent_v1_SetUpdatePhaseResponse__Output>
        Unit: MessageTypeDefinition<_noderoll_agent_v1_Unit, _noderoll_agent_v1_Unit__Output>
        UnitActionRequest: MessageTypeDefinition<_noderoll_agent_v1_UnitActionRequest, _noderoll_agent_v1_UnitActionRequest__Output>
        UnitActionResponse: MessageTypeDefinition<_noderoll_agent_v1_UnitActionResponse, _noderoll_agent_v1_UnitActionResponse__Output>
        UpdatePhase: MessageTypeDefinition<_noderoll_agent_v1_UpdatePhase, _noderoll_agent_v1_UpdatePhase__Output>
      }
    }
  }
}

