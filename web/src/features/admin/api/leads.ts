import { graphql } from "../../../gql";

/** A lead as the list and the card read it (identity; its branch's admins and the owner). */
export const LeadFields = graphql(`
  fragment LeadFields on Lead {
    id branchId stage revision
    contactFirstName contactLastName phone email
    childFirstName childLastName childBirthDate childAge
    interest source sourceDetail assignedStaffId notes lostReason
    familyId studentId createdAt updatedAt
  }
`);

/** One page of the branch's leads, newest first, of a stage and found by a search (identity searches names and
 * phones); `after` is the previous page's endCursor. */
export const BranchLeads = graphql(`
  query BranchLeads($branchId: ID!, $stage: LeadStage, $search: String, $first: Int!, $after: String) {
    branchLeads(branchId: $branchId, stage: $stage, search: $search, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { ...LeadFields } }
    }
  }
`);

/** The branch's staff: who a lead is assigned to, and who made each change in its history. */
export const LeadStaff = graphql(`
  query LeadStaff($branchId: ID!) {
    staffMembers(branchId: $branchId) { id firstName lastName role }
  }
`);

export const LeadCard = graphql(`
  query LeadCard($id: ID!) {
    lead(id: $id) {
      ...LeadFields
      history { at by fromStage toStage note }
    }
  }
`);

export const LeadFunnel = graphql(`
  query LeadFunnel($branchId: ID!, $month: String!) {
    leadFunnel(branchId: $branchId, month: $month) {
      branchId month created won lost conversion
      stages { stage reached }
      lostReasons { reason count }
    }
  }
`);

export const CreateLead = graphql(`
  mutation CreateLead($branchId: ID!, $input: LeadInput!) {
    createLead(branchId: $branchId, input: $input) {
      lead { ...LeadFields }
      errors { code message field }
    }
  }
`);

export const UpdateLead = graphql(`
  mutation UpdateLead($leadId: ID!, $expectedRevision: Int!, $input: LeadInput!) {
    updateLead(leadId: $leadId, expectedRevision: $expectedRevision, input: $input) {
      lead { ...LeadFields }
      errors { code message field }
    }
  }
`);

export const MoveLead = graphql(`
  mutation MoveLead($leadId: ID!, $stage: LeadStage!, $expectedRevision: Int!, $lostReason: String) {
    moveLead(leadId: $leadId, stage: $stage, expectedRevision: $expectedRevision, lostReason: $lostReason) {
      lead { ...LeadFields }
      errors { code message field }
    }
  }
`);

export const WinLead = graphql(`
  mutation WinLead($input: WinLeadInput!) {
    winLead(input: $input) {
      status confirmationSent
      lead { ...LeadFields }
      errors { code message field }
    }
  }
`);
