//! Every word of Salama's interface, in one catalogue: keys grouped by
//! where they show (the citizens' form, the field app, validation messages,
//! the server's own refusals, analysts' tables, the survey team's console),
//! and one file a language with one text a key.
//!
//! Adding an interface language is one file here and one line in
//! [`languages!`]; the compiler refuses a language that lacks a key, so a
//! key added without its texts does not build. A survey brings the words
//! of a language Salama lacks, or its own wording of built-in ones, in
//! [`crate::Survey::interface_words`]; [`crate::Survey::word`] picks.
//!
//! The server and native code have every text compiled in. Each area is
//! a function of its own so a browser bundle carries only the areas it
//! shows: the field app its own words in every language (it signs in and
//! lists work offline, with no survey at hand). The form's words and the
//! validation messages, about 3 KB gzip a language, the browser bundles
//! carry in English only (`--cfg salama_served_words`, set for wasm32 in
//! `.cargo/config.toml`): the server sends the rest with each survey, in
//! its `interface_words` ([`crate::Survey::with_served_words`]), so the
//! field app has them offline with the survey it keeps, and a built-in
//! language costs the citizens' form nothing. What shows before a survey
//! is loaded (the survey list, "Loading…") is then English in the browser.

use std::borrow::Cow;
use std::collections::BTreeMap;

use crate::field_error::FieldErrorCode;
use crate::language::base_language;

/// Declares one area's keys: the enum, the list of all of them, and the
/// key an author writes (`form.submit`).
macro_rules! keys {
    ($(#[$doc:meta])* $name:ident, $area:literal, $texts:ident { $($variant:ident = $key:literal,)* }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name {
            $($variant,)*
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The key authors write in a survey's `interface_words`.
            pub fn key(self) -> &'static str {
                match self {
                    $($name::$variant => concat!($area, ".", $key),)*
                }
            }
        }

        impl Key for $name {
            fn built_in(self, language: &str) -> Option<&'static str> {
                $texts(self, language)
            }
            fn key(self) -> Cow<'static, str> {
                Cow::Borrowed($name::key(self))
            }
        }
    };
}

keys! {
    /// Words of the citizens' form and the pages around it (also the
    /// interview screens of the field app, which uses the same form).
    FormWord, "form", form_text {
        Surveys = "surveys",
        NoSurveys = "no_surveys",
        Language = "language",
        Loading = "loading",
        LoadFailed = "load_failed",
        Retry = "retry",
        NotFound = "not_found",
        BackHome = "back_home",
        QuickExit = "quick_exit",
        SafetyTitle = "safety_title",
        ConsentTitle = "consent_title",
        Yes = "yes",
        No = "no",
        Next = "next",
        Previous = "previous",
        StepOf = "step_of",
        Required = "required",
        Optional = "optional",
        ErrorPrefix = "error_prefix",
        ProblemTitle = "problem_title",
        Choose = "choose",
        AddRow = "add_row",
        RemoveRow = "remove_row",
        NoRows = "no_rows",
        ReviewTitle = "review_title",
        ReviewIntro = "review_intro",
        Change = "change",
        NotAnswered = "not_answered",
        Submit = "submit",
        Sending = "sending",
        Retrying = "retrying",
        TryNow = "try_now",
        Conflict = "conflict",
        DeclinedTitle = "declined_title",
        DeclinedBody = "declined_body",
        MinorTitle = "minor_title",
        AdultGiven = "adult_given",
        AdultRefused = "adult_refused",
        AdultNone = "adult_none",
        ReceiptTitle = "receipt_title",
        ReceiptBody = "receipt_body",
        ReceiptNumber = "receipt_number",
        ReceivedAt = "received_at",
        Fingerprint = "fingerprint",
        SurveyVersion = "survey_version",
        DecimalSeparator = "decimal_separator",
    }
}

keys! {
    /// Words of the enumerators' field app around the interviews.
    FieldWord, "field", field_text {
        Title = "title",
        SignInTitle = "sign_in_title",
        SignInIntro = "sign_in_intro",
        Name = "name",
        Password = "password",
        DeviceLabel = "device_label",
        DeviceLabelHint = "device_label_hint",
        SignIn = "sign_in",
        SigningIn = "signing_in",
        PairTitle = "pair_title",
        PairIntro = "pair_intro",
        PairCode = "pair_code",
        PairButton = "pair_button",
        Pairing = "pairing",
        PairWrong = "pair_wrong",
        PairCodeInvalid = "pair_code_invalid",
        OrPassword = "or_password",
        WrongPassword = "wrong_password",
        NeedsConnection = "needs_connection",
        SignedInAs = "signed_in_as",
        SignOut = "sign_out",
        SignOutUnsent = "sign_out_unsent",
        AssignmentsTitle = "assignments_title",
        NoAssignments = "no_assignments",
        RefreshAssignments = "refresh_assignments",
        AssignmentsRefreshed = "assignments_refreshed",
        Cluster = "cluster",
        StartInterview = "start_interview",
        InterviewsTitle = "interviews_title",
        NoInterviews = "no_interviews",
        ContinueInterview = "continue_interview",
        CorrectAndResend = "correct_and_resend",
        SentBack = "sent_back",
        StateDraft = "state_draft",
        StateQueued = "state_queued",
        StateSending = "state_sending",
        StateSent = "state_sent",
        StateRejected = "state_rejected",
        Receipt = "receipt",
        SyncNow = "sync_now",
        Syncing = "syncing",
        Waiting = "waiting",
        AllSent = "all_sent",
        RetryIn = "retry_in",
        Unreachable = "unreachable",
        SessionEnded = "session_ended",
        StorageKept = "storage_kept",
        StorageMayBeCleared = "storage_may_be_cleared",
        Export = "export",
        Import = "import",
        Imported = "imported",
        ImportedVisits = "imported_visits",
        ImportFailed = "import_failed",
        TransferTitle = "transfer_title",
        TransferHint = "transfer_hint",
        StorageFailed = "storage_failed",
        NotOnDevice = "not_on_device",
        BackToList = "back_to_list",
        InterviewKept = "interview_kept",
        SelectionTitle = "selection_title",
        SelectionIntro = "selection_intro",
        EligibleMembers = "eligible_members",
        NoOneEligible = "no_one_eligible",
        Draw = "draw",
        Redraw = "redraw",
        Drawn = "drawn",
        RosterChanged = "roster_changed",
        Member = "member",
        Years = "years",
        Resume = "resume",
        ModuleTitle = "module_title",
        ModuleIntro = "module_intro",
        ModuleNoOne = "module_no_one",
        ModuleDrawn = "module_drawn",
        PrivacyQuestion = "privacy_question",
        ReferralsTitle = "referrals_title",
        NameMissing = "name_missing",
        PasswordMissing = "password_missing",
        SignOutConfirm = "sign_out_confirm",
        SignOutAnyway = "sign_out_anyway",
        Cancel = "cancel",
        DiscardDraft = "discard_draft",
        DiscardConfirm = "discard_confirm",
        Discarded = "discarded",
        OutcomeCompleted = "outcome_completed",
        OutcomePartial = "outcome_partial",
        OutcomeHouseholdRefused = "outcome_household_refused",
        OutcomeNoOneHome = "outcome_no_one_home",
        OutcomeVacant = "outcome_vacant",
        OutcomeNotFound = "outcome_not_found",
        OutcomeRespondentRefused = "outcome_respondent_refused",
        OutcomeRespondentUnavailable = "outcome_respondent_unavailable",
        HouseholdNumber = "household_number",
        HouseholdNumberHint = "household_number_hint",
        HouseholdNumberInvalid = "household_number_invalid",
        Household = "household",
        RecordVisit = "record_visit",
        VisitOutcome = "visit_outcome",
        ChooseOutcome = "choose_outcome",
        VisitNote = "visit_note",
        NoteTooLong = "note_too_long",
        SaveVisit = "save_visit",
        VisitKept = "visit_kept",
        VisitsTitle = "visits_title",
        NoVisits = "no_visits",
        RefusalQuestion = "refusal_question",
        RefusalExplained = "refusal_explained",
        RecordRefusal = "record_refusal",
        GoBack = "go_back",
        RefusalKept = "refusal_kept",
        RespondentAgrees = "respondent_agrees",
        RespondentLater = "respondent_later",
        RespondentRefuses = "respondent_refuses",
        UnavailableKept = "unavailable_kept",
    }
}

keys! {
    /// The server's refusals of a submission that no shared rule makes.
    ServerWord, "server", server_text {
        OtherEnumerator = "other_enumerator",
        ClusterNotAssigned = "cluster_not_assigned",
    }
}

keys! {
    /// Words of the analysts' pages (bundle `salama-analyst`, every
    /// language carried) and of what the server writes into their tables,
    /// downloads and codebooks.
    AnalysisWord, "analysis", analysis_text {
        Total = "total",
        Unknown = "unknown",
        Under = "under",
        NoteOptIn = "note_opt_in",
        NoteNoWeights = "note_no_weights",
        NoteUnweightedUnits = "note_unweighted_units",
        NoteSinglePsu = "note_single_psu",
        NoteFlagsDhsMics = "note_flags_dhs_mics",
        NoteWithheld = "note_withheld",
        NoteFlagsNchs = "note_flags_nchs",
        PageTitle = "page_title",
        Heading = "heading",
        SignInTitle = "sign_in_title",
        NotAnalyst = "not_analyst",
        Survey = "survey",
        LoadingSurveys = "loading_surveys",
        NoSurveys = "no_surveys",
        TabIndicators = "tab_indicators",
        TabFieldwork = "tab_fieldwork",
        Indicator = "indicator",
        BreakDownBy = "break_down_by",
        AndBy = "and_by",
        NoBreakdown = "no_breakdown",
        AgeBands = "age_bands",
        PublicationRule = "publication_rule",
        Download = "download",
        Computing = "computing",
        DimensionSex = "dimension_sex",
        DimensionAgeBand = "dimension_age_band",
        DimensionArea = "dimension_area",
        DimensionDisability = "dimension_disability",
        DimensionDisplacement = "dimension_displacement",
        DimensionUrbanRural = "dimension_urban_rural",
        SchemeUnAdult = "scheme_un_adult",
        SchemeSadd = "scheme_sadd",
        RuleDhsMics = "rule_dhs_mics",
        RuleNchs = "rule_nchs",
        Period = "period",
        WholeFieldwork = "whole_fieldwork",
        QuarterOf = "quarter_of",
        AreaLevel = "area_level",
        PolicyHides = "policy_hides",
        PeriodsMonth = "periods_month",
        PeriodsQuarter = "periods_quarter",
        PeriodsYear = "periods_year",
        PeriodsFieldwork = "periods_fieldwork",
        PopulationInterviews = "population_interviews",
        PopulationOnline = "population_online",
        TableCaption = "table_caption",
        ColumnGroup = "column_group",
        ColumnInterval = "column_interval",
        ColumnStandardError = "column_standard_error",
        ScrollTable = "scroll_table",
        ChartLabel = "chart_label",
        LoadingFieldwork = "loading_fieldwork",
        FieldworkTotals = "fieldwork_totals",
        ByDay = "by_day",
        ByArea = "by_area",
        ByEnumerator = "by_enumerator",
        ColumnDate = "column_date",
        ColumnInterviews = "column_interviews",
        ColumnOnline = "column_online",
        ColumnEnumerator = "column_enumerator",
        ColumnLastInterview = "column_last_interview",
        CodebookRespondentNo = "codebook_respondent_no",
        CodebookMemberNo = "codebook_member_no",
        CodebookChannel = "codebook_channel",
        CodebookSurveyVersion = "codebook_survey_version",
        CodebookInterviewMonth = "codebook_interview_month",
        CodebookPsu = "codebook_psu",
        CodebookStratum = "codebook_stratum",
        CodebookWeight = "codebook_weight",
        CodebookChosen = "codebook_chosen",
        CodebookMissing = "codebook_missing",
        CodebookDateMonth = "codebook_date_month",
        CodebookDateTimeMonth = "codebook_date_time_month",
        CodebookHour = "codebook_hour",
        CodebookHouseholdSize = "codebook_household_size",
        CodebookHouseholdChildren = "codebook_household_children",
        CodebookAsAnswered = "codebook_as_answered",
        CodebookBands = "codebook_bands",
        CodebookAreaLevels = "codebook_area_levels",
        CodebookDifficulty = "codebook_difficulty",
        CodebookQuarter = "codebook_quarter",
        CodebookYear = "codebook_year",
        CodebookWithheld = "codebook_withheld",
        CodebookOpaque = "codebook_opaque",
        CodebookRowsLeftOut = "codebook_rows_left_out",
        LegendN = "legend_n",
        LegendPercent = "legend_percent",
        LegendInterval = "legend_interval",
        LegendStandardError = "legend_standard_error",
        LegendReported = "legend_reported",
        Microdata = "microdata",
        MicrodataRespondents = "microdata_respondents",
        MicrodataMembers = "microdata_members",
        Codebook = "codebook",
        // The tables' own: the staff's bundles carry every language of
        // this area but the form's words in English only.
        DecimalSeparator = "decimal_separator",
    }
}

keys! {
    /// Words of the staff's pages around their work, shared by the console
    /// and the analysts' pages: signing in and out, one's own password,
    /// what goes wrong talking to the server. Both bundles carry every
    /// language.
    StaffWord, "staff", staff_text {
        Name = "name",
        Password = "password",
        SignIn = "sign_in",
        WrongPassword = "wrong_password",
        TooManyAttempts = "too_many_attempts",
        Unreachable = "unreachable",
        Failed = "failed",
        SignOut = "sign_out",
        SignedInAs = "signed_in_as",
        FirstPasswordTitle = "first_password_title",
        FirstPasswordIntro = "first_password_intro",
        CurrentPassword = "current_password",
        NewPassword = "new_password",
        RepeatPassword = "repeat_password",
        PasswordsDiffer = "passwords_differ",
        PasswordTooShort = "password_too_short",
        PasswordUnchanged = "password_unchanged",
        CurrentWrong = "current_wrong",
        SavePassword = "save_password",
        PasswordSaved = "password_saved",
        Loading = "loading",
    }
}

keys! {
    /// Words of the survey team's console (`/admin`, bundle `salama-admin`):
    /// every language is carried, as the field app carries its own.
    AdminWord, "admin", admin_text {
        Title = "title",
        SignInTitle = "sign_in_title",
        NotAdmin = "not_admin",
        FieldworkTitle = "fieldwork_title",
        ClustersTitle = "clusters_title",
        ClustersIntro = "clusters_intro",
        CsvFile = "csv_file",
        ReplaceClusters = "replace_clusters",
        PreviewChanges = "preview_changes",
        PlanTitle = "plan_title",
        Applied = "applied",
        ApplyChanges = "apply_changes",
        PlanAdded = "plan_added",
        PlanMoved = "plan_moved",
        PlanUpdated = "plan_updated",
        PlanWithdrawn = "plan_withdrawn",
        PlanUnknown = "plan_unknown",
        PlanUnchanged = "plan_unchanged",
        UnknownBlocks = "unknown_blocks",
        ReasonUnknown = "reason_unknown",
        ReasonWrongRole = "reason_wrong_role",
        ProblemsCaption = "problems_caption",
        ColumnCluster = "column_cluster",
        ColumnEnumerator = "column_enumerator",
        ColumnStratum = "column_stratum",
        ColumnArea = "column_area",
        ColumnHouseholds = "column_households",
        ColumnFrom = "column_from",
        ColumnTo = "column_to",
        ColumnProgress = "column_progress",
        ColumnActions = "column_actions",
        ColumnKey = "column_key",
        ColumnWeight = "column_weight",
        ColumnClusters = "column_clusters",
        ColumnInterviews = "column_interviews",
        ColumnWeighted = "column_weighted",
        ColumnSumOfWeights = "column_sum_of_weights",
        ColumnWhen = "column_when",
        ColumnWho = "column_who",
        ColumnKind = "column_kind",
        ColumnRows = "column_rows",
        ColumnChanged = "column_changed",
        ColumnRemoved = "column_removed",
        ByEnumeratorTitle = "by_enumerator_title",
        ProgressExplained = "progress_explained",
        NoClusters = "no_clusters",
        NotAssigned = "not_assigned",
        ProgressTotal = "progress_total",
        ProgressOf = "progress_of",
        ProgressNoTarget = "progress_no_target",
        MoveLabel = "move_label",
        Move = "move",
        Withdraw = "withdraw",
        ConfirmWithdraw = "confirm_withdraw",
        ConfirmMove = "confirm_move",
        InterviewsKept = "interviews_kept",
        Confirm = "confirm",
        Cancel = "cancel",
        WithdrawnDone = "withdrawn_done",
        MovedDone = "moved_done",
        DesignTitle = "design_title",
        DesignInterviews = "design_interviews",
        DesignWeighted = "design_weighted",
        DesignSumOfWeights = "design_sum_of_weights",
        DesignPsus = "design_psus",
        DesignSubmissionWeights = "design_submission_weights",
        StrataCaption = "strata_caption",
        NoStratum = "no_stratum",
        AllWeighted = "all_weighted",
        WithoutWeight = "without_weight",
        WeightsTitle = "weights_title",
        WeightsIntro = "weights_intro",
        ReplaceWeights = "replace_weights",
        StoreDesign = "store_design",
        DesignMatched = "design_matched",
        DesignChanged = "design_changed",
        DesignUnmatched = "design_unmatched",
        DesignRemoved = "design_removed",
        DesignKept = "design_kept",
        UnmatchedBlocks = "unmatched_blocks",
        HistoryTitle = "history_title",
        HistoryCaption = "history_caption",
        NoHistory = "no_history",
        KindCluster = "kind_cluster",
        KindSubmission = "kind_submission",
        Refresh = "refresh",
        SurveysTitle = "surveys_title",
        NoSurveys = "no_surveys",
        ColumnSurvey = "column_survey",
        ColumnVersions = "column_versions",
        ColumnLanguages = "column_languages",
        ColumnChannels = "column_channels",
        ColumnSubmissions = "column_submissions",
        ColumnPublic = "column_public",
        ColumnDownload = "column_download",
        ChannelOnline = "channel_online",
        ChannelEnumerator = "channel_enumerator",
        IsPublic = "is_public",
        IsNotPublic = "is_not_public",
        MakePublic = "make_public",
        MakePrivate = "make_private",
        PublicExplained = "public_explained",
        DownloadJson = "download_json",
        DownloadXlsform = "download_xlsform",
        UploadTitle = "upload_title",
        UploadIntro = "upload_intro",
        Files = "files",
        NoFile = "no_file",
        Check = "check",
        Checking = "checking",
        ProblemsTitle = "problems_title",
        ColumnSheet = "column_sheet",
        ColumnRow = "column_row",
        ColumnColumn = "column_column",
        ColumnPlace = "column_place",
        ColumnProblem = "column_problem",
        WholeFile = "whole_file",
        CheckedTitle = "checked_title",
        Preview = "preview",
        PreviewNotice = "preview_notice",
        PreviewFinished = "preview_finished",
        BackToConsole = "back_to_console",
        Publish = "publish",
        Publishing = "publishing",
        Immutable = "immutable",
        Published = "published",
        AlreadyPublished = "already_published",
        VersionTaken = "version_taken",
        SettingsTitle = "settings_title",
        RetentionTitle = "retention_title",
        RetentionExplained = "retention_explained",
        RetentionDate = "retention_date",
        RetentionSave = "retention_save",
        RetentionNotSet = "retention_not_set",
        RetentionKept = "retention_kept",
        RetentionWarning = "retention_warning",
        RetentionPassed = "retention_passed",
        RetentionSaved = "retention_saved",
        RetentionEarlier = "retention_earlier",
        RetentionSetBy = "retention_set_by",
        DisclosureTitle = "disclosure_title",
        DisclosureExplained = "disclosure_explained",
        DisclosureDefault = "disclosure_default",
        DisclosureVersion = "disclosure_version",
        DisclosureMinN = "disclosure_min_n",
        DisclosureMinNHelp = "disclosure_min_n_help",
        DisclosureCautionN = "disclosure_caution_n",
        DisclosureCautionNHelp = "disclosure_caution_n_help",
        DisclosureMinCount = "disclosure_min_count",
        DisclosureMinCountHelp = "disclosure_min_count_help",
        DisclosureRules = "disclosure_rules",
        DisclosureRulesHelp = "disclosure_rules_help",
        RulesBoth = "rules_both",
        DisclosurePeriod = "disclosure_period",
        DisclosurePeriodHelp = "disclosure_period_help",
        PeriodMonth = "period_month",
        PeriodQuarter = "period_quarter",
        PeriodYear = "period_year",
        PeriodFieldwork = "period_fieldwork",
        DisclosureAreaLevel = "disclosure_area_level",
        DisclosureAreaLevelHelp = "disclosure_area_level_help",
        AreaLevelOption = "area_level_option",
        DisclosureRespondentAges = "disclosure_respondent_ages",
        DisclosureMemberAges = "disclosure_member_ages",
        DisclosureAgesHelp = "disclosure_ages_help",
        DisclosureWeightRatio = "disclosure_weight_ratio",
        DisclosureWeightRatioHelp = "disclosure_weight_ratio_help",
        DisclosureSave = "disclosure_save",
        DisclosureSaved = "disclosure_saved",
        DisclosureHistory = "disclosure_history",
        DisclosureHistoryLine = "disclosure_history_line",
        PairPhone = "pair_phone",
        PairPhoneFor = "pair_phone_for",
        PairingTitle = "pairing_title",
        PairingSteps = "pairing_steps",
        PairingUntil = "pairing_until",
        PairingQrAlt = "pairing_qr_alt",
        // People, the audit log and the sections.
        SectionsLabel = "sections_label",
        PeopleTitle = "people_title",
        AuditTitle = "audit_title",
        ListTitle = "list_title",
        CreateTitle = "create_title",
        CreateIntro = "create_intro",
        NameHint = "name_hint",
        Role = "role",
        RoleAdmin = "role_admin",
        RoleAnalyst = "role_analyst",
        RoleEnumerator = "role_enumerator",
        Create = "create",
        NameInvalid = "name_invalid",
        NameTaken = "name_taken",
        CreatedTitle = "created_title",
        ShownOnce = "shown_once",
        OneTimePassword = "one_time_password",
        Copy = "copy",
        Copied = "copied",
        CopyRefused = "copy_refused",
        PrintSheet = "print_sheet",
        Done = "done",
        SheetLanguage = "sheet_language",
        SheetTitle = "sheet_title",
        SheetAddress = "sheet_address",
        SheetStepsEnumerator = "sheet_steps_enumerator",
        SheetStepsStaff = "sheet_steps_staff",
        SheetKeep = "sheet_keep",
        Never = "never",
        ColumnLastLogin = "column_last_login",
        ColumnDevices = "column_devices",
        ColumnStatus = "column_status",
        NoDevices = "no_devices",
        RevokedOn = "revoked_on",
        Active = "active",
        Revoked = "revoked",
        RevokePerson = "revoke_person",
        You = "you",
        LastSeen = "last_seen",
        NotSeen = "not_seen",
        RevokeDevice = "revoke_device",
        ConfirmPerson = "confirm_person",
        ConfirmDevice = "confirm_device",
        ConfirmRevoke = "confirm_revoke",
        PersonRevoked = "person_revoked",
        DeviceRevoked = "device_revoked",
        LastAdmin = "last_admin",
        AuditIntro = "audit_intro",
        Who = "who",
        WhoHint = "who_hint",
        Action = "action",
        AnyAction = "any_action",
        From = "from",
        To = "to",
        Search = "search",
        SearchInvalid = "search_invalid",
        ColumnDetail = "column_detail",
        AuditResults = "audit_results",
        ExportCsv = "export_csv",
        NoEntries = "no_entries",
        Newer = "newer",
        Older = "older",
        RatesTitle = "rates_title",
        RatesTeam = "rates_team",
        RatesIntro = "rates_intro",
        NoVisits = "no_visits",
        RatesSurveyCaption = "rates_survey_caption",
        RatesClustersCaption = "rates_clusters_caption",
        RatesEnumeratorsCaption = "rates_enumerators_caption",
        ColumnVisits = "column_visits",
        ColumnRefusals = "column_refusals",
        ColumnHouseholdRr1 = "column_household_rr1",
        ColumnHouseholdRr3 = "column_household_rr3",
        ColumnIndividualRr1 = "column_individual_rr1",
        ColumnIndividualRr3 = "column_individual_rr3",
        ColumnDhsHousehold = "column_dhs_household",
        ColumnDhsIndividual = "column_dhs_individual",
        ColumnDhsOverall = "column_dhs_overall",
        // Review of interviews.
        ReviewTitle = "review_title",
        ReviewIntro = "review_intro",
        RoleSupervisor = "role_supervisor",
        CountApprovedOnly = "count_approved_only",
        CountingSaved = "counting_saved",
        ReviewFilters = "review_filters",
        ColumnState = "column_state",
        AnyState = "any_state",
        StateReceived = "state_received",
        StateApproved = "state_approved",
        StateHasIssues = "state_has_issues",
        StateRejected = "state_rejected",
        Show = "show",
        FilterInvalid = "filter_invalid",
        ReviewResults = "review_results",
        NoInterviews = "no_interviews",
        ColumnInterviewDate = "column_interview_date",
        ColumnRevision = "column_revision",
        OpenInterview = "open_interview",
        MoreInterviews = "more_interviews",
        InterviewTitle = "interview_title",
        AnswersTitle = "answers_title",
        ColumnQuestion = "column_question",
        ColumnAnswer = "column_answer",
        ReviewHistory = "review_history",
        NotReviewedYet = "not_reviewed_yet",
        EventCorrected = "event_corrected",
        Reason = "reason",
        ReasonHint = "reason_hint",
        Approve = "approve",
        SendBack = "send_back",
        Reject = "reject",
        DecisionFinal = "decision_final",
        Decided = "decided",
        CorrectTitle = "correct_title",
        CorrectValue = "correct_value",
        CorrectValueHint = "correct_value_hint",
        CorrectSave = "correct_save",
        Corrected = "corrected",
        CloseInterview = "close_interview",
        ApproveListed = "approve_listed",
        ApprovedListed = "approved_listed",
        FlagsTitle = "flags_title",
        FlagsIntro = "flags_intro",
        FlagsMinutes = "flags_minutes",
        FlagsBattery = "flags_battery",
        FlagsDownload = "flags_download",
        FlagsShare = "flags_share",
        FlagsSave = "flags_save",
        FlagsSaved = "flags_saved",
        FlagsRefused = "flags_refused",
        ReleasesTitle = "releases_title",
        ReleasesIntro = "releases_intro",
        ReleaseNew = "release_new",
        ReleasePeriod = "release_period",
        ReleaseWholeFieldwork = "release_whole_fieldwork",
        ReleaseFrom = "release_from",
        ReleaseTo = "release_to",
        ReleaseChannel = "release_channel",
        ReleaseBothChannels = "release_both_channels",
        ReleaseTitleIn = "release_title_in",
        ReleaseNoteIn = "release_note_in",
        ReleaseCreate = "release_create",
        ReleaseCreated = "release_created",
        ReleaseInvalid = "release_invalid",
        ReleasesList = "releases_list",
        NoReleases = "no_releases",
        ColumnRelease = "column_release",
        ColumnReleaseTitle = "column_release_title",
        ColumnReleaseVersion = "column_release_version",
        ColumnReleased = "column_released",
        ReleaseLive = "release_live",
        ReleaseWithdrawnState = "release_withdrawn_state",
        ReleaseWithdraw = "release_withdraw",
        ReleaseWithdrawn = "release_withdrawn",
        ReleasePreview = "release_preview",
    }
}

keys! {
    /// Words of the public results page (`/results/{survey}`), made on the
    /// server: no browser bundle carries them.
    ResultsWord, "results", results_text {
        PageTitle = "page_title",
        Intro = "intro",
        Languages = "languages",
        Period = "period",
        PeriodRange = "period_range",
        WholeFieldwork = "whole_fieldwork",
        ReleasedOn = "released_on",
        ColumnPercent = "column_percent",
        ColumnCases = "column_cases",
        ChartTitle = "chart_title",
        DownloadCsv = "download_csv",
        NotRepresentative = "not_representative",
        MethodologyTitle = "methodology_title",
        MethodDesign = "method_design",
        MethodCases = "method_cases",
        MethodSuppressionTitle = "method_suppression_title",
        MethodSuppression = "method_suppression",
        MethodRules = "method_rules",
        LegendTitle = "legend_title",
        LegendSuppressed = "legend_suppressed",
        LegendCaution = "legend_caution",
        LegendEmpty = "legend_empty",
        NotFoundTitle = "not_found_title",
        NotFoundBody = "not_found_body",
    }
}

/// Any interface word. Validation messages are keyed by their error code
/// (`message.required`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Word {
    Form(FormWord),
    Field(FieldWord),
    Message(FieldErrorCode),
    Server(ServerWord),
    Analysis(AnalysisWord),
    Staff(StaffWord),
    Admin(AdminWord),
    Results(ResultsWord),
}

const MESSAGE_AREA: &str = "message.";

impl Word {
    /// Every key, area by area.
    pub fn all() -> impl Iterator<Item = Word> {
        let form = FormWord::ALL.iter().map(|w| Word::Form(*w));
        let field = FieldWord::ALL.iter().map(|w| Word::Field(*w));
        let message = FieldErrorCode::ALL.into_iter().map(Word::Message);
        let server = ServerWord::ALL.iter().map(|w| Word::Server(*w));
        let analysis = AnalysisWord::ALL.iter().map(|w| Word::Analysis(*w));
        let staff = StaffWord::ALL.iter().map(|w| Word::Staff(*w));
        let admin = AdminWord::ALL.iter().map(|w| Word::Admin(*w));
        let results = ResultsWord::ALL.iter().map(|w| Word::Results(*w));
        form.chain(field)
            .chain(message)
            .chain(server)
            .chain(analysis)
            .chain(staff)
            .chain(admin)
            .chain(results)
    }

    /// The key authors write (`form.yes`, `message.required`).
    pub fn key(self) -> Cow<'static, str> {
        match self {
            Word::Form(word) => Cow::Borrowed(word.key()),
            Word::Field(word) => Cow::Borrowed(word.key()),
            Word::Message(code) => Cow::Owned(format!("{MESSAGE_AREA}{}", code.as_str())),
            Word::Server(word) => Cow::Borrowed(word.key()),
            Word::Analysis(word) => Cow::Borrowed(word.key()),
            Word::Staff(word) => Cow::Borrowed(word.key()),
            Word::Admin(word) => Cow::Borrowed(word.key()),
            Word::Results(word) => Cow::Borrowed(word.key()),
        }
    }

    /// The word a key names.
    pub fn parse(key: &str) -> Option<Word> {
        if let Some(code) = key.strip_prefix(MESSAGE_AREA) {
            return FieldErrorCode::ALL
                .into_iter()
                .find(|known| known.as_str() == code)
                .map(Word::Message);
        }
        Word::all().find(|word| word.key() == key)
    }

    /// The known key nearest to one that is not, for the author's slip.
    pub fn nearest_key(key: &str) -> String {
        crate::spelling::nearest(key, Word::all().map(Word::key))
            .map(Cow::into_owned)
            .unwrap_or_default()
    }

    /// Whether the text carries the `{placeholders}` the interface fills.
    pub fn placeholders(self) -> &'static [&'static str] {
        match self {
            Word::Form(FormWord::StepOf) => &["{n}", "{total}"],
            Word::Form(FormWord::Retrying) | Word::Field(FieldWord::RetryIn) => &["{s}"],
            Word::Field(FieldWord::Waiting | FieldWord::SignOutConfirm) => &["{n}"],
            Word::Field(FieldWord::Imported) => &["{n}", "{m}"],
            Word::Field(FieldWord::ImportedVisits) => &["{n}"],
            Word::Admin(AdminWord::FlagsRefused) => &["{fields}"],
            Word::Analysis(AnalysisWord::NoteFlagsDhsMics) => &["{min}", "{last}"],
            Word::Analysis(AnalysisWord::NoteWithheld) => &["{min}", "{k}"],
            Word::Field(FieldWord::SelectionIntro | FieldWord::NoOneEligible) => &["{min}"],
            Word::Field(FieldWord::Drawn | FieldWord::ModuleDrawn) => &["{member}"],
            Word::Analysis(AnalysisWord::Under) => &["{age}"],
            Word::Analysis(AnalysisWord::NoteUnweightedUnits) => &["{n}", "{units}"],
            Word::Analysis(AnalysisWord::NotAnalyst) => &["{role}"],
            Word::Analysis(AnalysisWord::FieldworkTotals) => &["{interviews}", "{online}"],
            Word::Analysis(AnalysisWord::CodebookChosen) => &["{choice}"],
            Word::Analysis(AnalysisWord::CodebookBands) => &["{bands}"],
            Word::Analysis(AnalysisWord::CodebookAreaLevels) => &["{level}"],
            Word::Analysis(AnalysisWord::CodebookDifficulty) => &["{codes}"],
            Word::Analysis(AnalysisWord::CodebookRowsLeftOut) => &["{n}"],
            Word::Analysis(AnalysisWord::LegendReported) => &["{code}", "{label}"],
            Word::Staff(StaffWord::TooManyAttempts) => &["{s}"],
            Word::Staff(StaffWord::Failed) => &["{status}"],
            Word::Staff(StaffWord::SignedInAs) => &["{name}"],
            Word::Staff(StaffWord::FirstPasswordIntro | StaffWord::PasswordTooShort) => &["{min}"],
            Word::Admin(AdminWord::NotAdmin) => &["{role}"],
            Word::Admin(AdminWord::FilterInvalid) => &["{fields}"],
            Word::Admin(AdminWord::OpenInterview | AdminWord::InterviewTitle) => &["{id}"],
            Word::Admin(AdminWord::DecisionFinal | AdminWord::Decided) => &["{state}"],
            Word::Admin(
                AdminWord::Corrected | AdminWord::ApproveListed | AdminWord::ApprovedListed,
            ) => &["{n}"],
            Word::Admin(AdminWord::ProblemsTitle) => &["{n}"],
            Word::Admin(
                AdminWord::DownloadJson
                | AdminWord::DownloadXlsform
                | AdminWord::CheckedTitle
                | AdminWord::Published,
            ) => &["{survey}", "{version}"],
            Word::Admin(AdminWord::Publish | AdminWord::VersionTaken) => &["{version}"],
            Word::Admin(
                AdminWord::PlanAdded
                | AdminWord::PlanMoved
                | AdminWord::PlanUpdated
                | AdminWord::PlanWithdrawn
                | AdminWord::PlanUnknown
                | AdminWord::PlanUnchanged
                | AdminWord::ProgressNoTarget
                | AdminWord::DesignChanged
                | AdminWord::DesignUnmatched
                | AdminWord::DesignRemoved
                | AdminWord::DesignKept,
            ) => &["{n}"],
            Word::Admin(AdminWord::ProgressTotal | AdminWord::ProgressOf) => &["{n}", "{target}"],
            Word::Admin(AdminWord::MoveLabel) => &["{cluster}"],
            Word::Admin(
                AdminWord::ConfirmWithdraw | AdminWord::WithdrawnDone | AdminWord::MovedDone,
            ) => &["{cluster}", "{enumerator}"],
            Word::Admin(AdminWord::ConfirmMove) => &["{cluster}", "{from}", "{to}"],
            Word::Admin(AdminWord::InterviewsKept) => &["{n}", "{enumerator}"],
            Word::Admin(AdminWord::WithoutWeight) => &["{list}"],
            Word::Admin(AdminWord::DesignMatched) => &["{n}", "{m}"],
            Word::Admin(AdminWord::CreatedTitle) => &["{name}", "{role}"],
            Word::Admin(AdminWord::RevokedOn | AdminWord::LastSeen) => &["{at}"],
            Word::Admin(
                AdminWord::RevokePerson
                | AdminWord::You
                | AdminWord::ConfirmPerson
                | AdminWord::PersonRevoked,
            ) => &["{name}"],
            Word::Admin(AdminWord::RevokeDevice | AdminWord::DeviceRevoked) => &["{device}"],
            Word::Admin(AdminWord::ConfirmDevice) => &["{device}", "{name}"],
            Word::Admin(AdminWord::SearchInvalid) => &["{fields}"],
            Word::Admin(AdminWord::DisclosureVersion) => &["{version}", "{name}", "{when}"],
            Word::Admin(AdminWord::DisclosureHistoryLine) => &["{version}", "{name}", "{when}"],
            Word::Admin(AdminWord::DisclosureSaved) => &["{version}"],
            Word::Admin(AdminWord::RulesBoth) => &["{first}", "{second}"],
            Word::Admin(AdminWord::AreaLevelOption) => &["{n}"],
            Word::Analysis(AnalysisWord::QuarterOf) => &["{q}", "{year}"],
            Word::Analysis(AnalysisWord::PolicyHides) => &["{n}", "{k}", "{periods}", "{level}"],
            Word::Admin(AdminWord::ReleaseTitleIn | AdminWord::ReleaseNoteIn) => &["{language}"],
            Word::Admin(AdminWord::ReleaseCreated | AdminWord::ReleaseWithdrawn) => &["{id}"],
            Word::Admin(AdminWord::ReleaseInvalid) => &["{fields}"],
            Word::Results(ResultsWord::PageTitle) => &["{survey}"],
            Word::Results(ResultsWord::PeriodRange) => &["{from}", "{to}"],
            Word::Results(ResultsWord::ReleasedOn) => &["{date}", "{version}"],
            Word::Results(ResultsWord::ChartTitle) => &["{title}", "{population}"],
            Word::Results(ResultsWord::MethodCases) => &["{n}"],
            Word::Results(ResultsWord::MethodSuppression) => {
                &["{min_n}", "{caution_n}", "{min_count}"]
            }
            Word::Results(ResultsWord::MethodRules) => &["{rules}"],
            _ => &[],
        }
    }
}

/// Declares the built-in languages: a module each, and the lookups that
/// choose among them by base language.
macro_rules! languages {
    ($($tag:literal => $module:ident,)*) => {
        // The browser bundles leave the form and message texts of all but
        // English unused (served with each survey instead).
        $(#[cfg_attr(salama_served_words, allow(dead_code))] mod $module;)*

        /// Languages whose every word is built in.
        pub const BUILT_IN_LANGUAGES: &[&str] = &[$($tag,)*];

        /// The built-in language a tag names (`pt-BR` → `pt`), if any.
        pub fn built_in_language(tag: &str) -> Option<&'static str> {
            Some(match base_language(tag)?.as_str() {
                $($tag => $tag,)*
                _ => return None,
            })
        }

        #[cfg(not(salama_served_words))]
        fn form_text(word: FormWord, language: &str) -> Option<&'static str> {
            Some(match base_language(language)?.as_str() {
                $($tag => $module::form(word),)*
                _ => return None,
            })
        }

        fn field_text(word: FieldWord, language: &str) -> Option<&'static str> {
            Some(match base_language(language)?.as_str() {
                $($tag => $module::field(word),)*
                _ => return None,
            })
        }

        fn server_text(word: ServerWord, language: &str) -> Option<&'static str> {
            Some(match base_language(language)?.as_str() {
                $($tag => $module::server(word),)*
                _ => return None,
            })
        }

        fn analysis_text(word: AnalysisWord, language: &str) -> Option<&'static str> {
            Some(match base_language(language)?.as_str() {
                $($tag => $module::analysis(word),)*
                _ => return None,
            })
        }

        fn staff_text(word: StaffWord, language: &str) -> Option<&'static str> {
            Some(match base_language(language)?.as_str() {
                $($tag => $module::staff(word),)*
                _ => return None,
            })
        }

        fn admin_text(word: AdminWord, language: &str) -> Option<&'static str> {
            Some(match base_language(language)?.as_str() {
                $($tag => $module::admin(word),)*
                _ => return None,
            })
        }

        fn results_text(word: ResultsWord, language: &str) -> Option<&'static str> {
            Some(match base_language(language)?.as_str() {
                $($tag => $module::results(word),)*
                _ => return None,
            })
        }

        /// The built-in validation message for `code` in a language.
        #[cfg(not(salama_served_words))]
        pub fn built_in_message(code: FieldErrorCode, language: &str) -> Option<&'static str> {
            Some(match base_language(language)?.as_str() {
                $($tag => $module::message(code),)*
                _ => return None,
            })
        }
    };
}

// The browser bundles: English only, the rest comes with each survey
// (`Survey::with_served_words`), so a built-in language costs the
// citizens' form nothing.
#[cfg(salama_served_words)]
fn form_text(word: FormWord, language: &str) -> Option<&'static str> {
    (base_language(language)?.as_str() == "en").then(|| en::form(word))
}

/// The built-in validation message for `code` in a language.
#[cfg(salama_served_words)]
pub fn built_in_message(code: FieldErrorCode, language: &str) -> Option<&'static str> {
    (base_language(language)?.as_str() == "en").then(|| en::message(code))
}

languages! {
    "en" => en,
    "fr" => fr,
    "ar" => ar,
    "es" => es,
    "pt" => pt,
}

/// A key of any area: what [`crate::Survey::word`] needs to find its text.
/// Generic rather than through [`Word`], so a bundle that asks only for
/// form words carries only the form's texts.
pub trait Key: Copy {
    /// The built-in text in a language (any tag of it), if Salama has one.
    fn built_in(self, language: &str) -> Option<&'static str>;
    /// The key authors write.
    fn key(self) -> Cow<'static, str>;
    /// The survey's own wording, where it has one besides `interface_words`.
    fn own_elsewhere<'s>(self, _survey: &'s crate::Survey, _language: &str) -> Option<&'s str> {
        None
    }
    /// The text of last resort: every key has one in English.
    fn english(self) -> &'static str {
        self.built_in("en").unwrap_or_default()
    }
    /// The built-in text in a language, else the English one: for words
    /// shown where no survey is at hand.
    fn in_language(self, language: &str) -> &'static str {
        self.built_in(language).unwrap_or_else(|| self.english())
    }
}

impl Key for FieldErrorCode {
    fn built_in(self, language: &str) -> Option<&'static str> {
        built_in_message(self, language)
    }
    fn key(self) -> Cow<'static, str> {
        Word::Message(self).key()
    }
    /// Surveys gave validation messages in `messages` before any other
    /// interface word could be given; both keep working.
    fn own_elsewhere<'s>(self, survey: &'s crate::Survey, language: &str) -> Option<&'s str> {
        survey
            .messages
            .get(&self)
            .filter(|text| text.has(language))
            .map(|text| text.get(language, language))
    }
}

impl Key for Word {
    fn built_in(self, language: &str) -> Option<&'static str> {
        match self {
            Word::Form(word) => form_text(word, language),
            Word::Field(word) => field_text(word, language),
            Word::Message(code) => built_in_message(code, language),
            Word::Server(word) => server_text(word, language),
            Word::Staff(word) => staff_text(word, language),
            Word::Analysis(word) => analysis_text(word, language),
            Word::Admin(word) => admin_text(word, language),
            Word::Results(word) => results_text(word, language),
        }
    }
    fn key(self) -> Cow<'static, str> {
        Word::key(self)
    }
    fn own_elsewhere<'s>(self, survey: &'s crate::Survey, language: &str) -> Option<&'s str> {
        match self {
            Word::Message(code) => code.own_elsewhere(survey, language),
            _ => None,
        }
    }
}

impl crate::Survey {
    /// The survey as the server sends it to the clients: for each of its
    /// languages but English, the built-in words of the form and the
    /// validation messages it does not word itself, in `interface_words`.
    /// The browser bundles carry only the English ones (see the module
    /// comment); the survey's own words are kept as they are.
    pub fn with_served_words(mut self) -> Self {
        for language in self.languages.clone() {
            if base_language(&language).is_none_or(|base| base.as_str() == "en") {
                continue;
            }
            let form = FormWord::ALL.iter().map(|word| Word::Form(*word));
            let messages = FieldErrorCode::ALL.into_iter().map(Word::Message);
            let missing: Vec<(String, &'static str)> = form
                .chain(messages)
                .filter(|word| self.own_word(*word, &language).is_none())
                .filter_map(|word| Some((word.key().into_owned(), word.built_in(&language)?)))
                .collect();
            if missing.is_empty() {
                continue;
            }
            let words = self.interface_words.entry(language).or_default();
            for (key, text) in missing {
                words.insert(key, text.to_owned());
            }
        }
        self
    }

    /// `word` in `language`: the survey's own wording, else the built-in
    /// one, else the same two in the survey's default language, else English.
    pub fn word<K: Key>(&self, word: K, language: &str) -> &str {
        self.own_word(word, language)
            .or_else(|| word.built_in(language))
            .or_else(|| self.own_word(word, &self.default_language))
            .or_else(|| word.built_in(&self.default_language))
            .unwrap_or_else(|| word.english())
    }

    /// The survey's own wording of `word` in `language` (the exact tag,
    /// else another tag of the same base language), if it gives one.
    pub fn own_word<'s, K: Key>(&'s self, word: K, language: &str) -> Option<&'s str> {
        if let Some(text) = word.own_elsewhere(self, language) {
            return Some(text);
        }
        if self.interface_words.is_empty() {
            return None;
        }
        let key = word.key();
        let in_language = |words: &'s BTreeMap<String, String>| words.get(key.as_ref());
        self.interface_words
            .get(language)
            .and_then(in_language)
            .or_else(|| {
                self.interface_words
                    .iter()
                    .filter(|(tag, _)| crate::language::same_base(tag, language))
                    .find_map(|(_, words)| in_language(words))
            })
            .map(String::as_str)
    }
}

/// Fills `{name}` placeholders.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut text = template.to_owned();
    for (name, value) in values {
        text = text.replace(&format!("{{{name}}}"), value);
    }
    text
}

#[cfg(test)]
mod tests;
