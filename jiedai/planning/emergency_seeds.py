"""The company's emergency plan templates as shipped (policy 3.3.1: itinerary changes, bad weather, equipment
failure, and what else a visit commonly meets). Administration revises them afterwards (policy 3.3.2); the seed
only creates the ones missing by name and never touches a template that exists, so an edited template stays as
administration left it.

Called from a data migration (with the historical models) and from `seed_demo` (with the real ones)."""

SEED_REASON = "初始版本（系统预置）"

SEED_TEMPLATES = [
    {
        "name": "客户行程变更应急预案",
        "scenario": "itinerary_change",
        "procedure": (
            "1. 接到客户行程变更信息（提前或推迟到达、人数变化、取消或增加活动）后，接待负责人立即核实变更内容，"
            "并在30分钟内告知本次接待全体工作人员。\n"
            "2. 接待负责人评估影响：接送、会议、参观、用餐、住宿、车辆中哪些安排需要调整，列出调整清单。\n"
            "3. 行政部接待岗联系场地、车辆、餐厅和酒店，改订或取消预订；无法满足时提出替代方案。\n"
            "4. 涉及生产或技术区域参观、公司领导会见的，由接待负责人与相关部门负责人确认新的时间和陪同人员。\n"
            "5. 调整后的行程经接待部门负责人确认后发送客户联系人确认，并同步更新系统中的接待方案"
            "（方案已确认的，变更会被记录并通知相关人员）。\n"
            "6. 因变更产生的额外费用，由接待负责人告知财务接待岗，超出预算的按规定办理追加预算。\n"
            "7. 接待结束后，在接待总结中记录变更原因、处理过程和效果。"
        ),
        "responsibilities": (
            "接待负责人：核实变更，统筹调整，与客户沟通，更新接待方案。\n"
            "接待部门负责人：确认调整后的行程，协调领导会见等重大变更。\n"
            "行政部接待岗：场地、车辆、用餐、住宿的改订和取消。\n"
            "协同部门：按新的时间安排技术讲解和参观陪同人员。\n"
            "财务接待岗：审核变更产生的费用。"
        ),
        "contacts": (
            "接待负责人、客户联系人：见本次接待方案的“本次联系人”。\n"
            "行政部接待岗：场地、车辆、食宿的改订。\n"
            "接待部门负责人：重大变更的决定。\n"
            "合作酒店、车队、餐厅的订单联系人：见行政部资源清单。"
        ),
    },
    {
        "name": "恶劣天气应急预案",
        "scenario": "bad_weather",
        "procedure": (
            "1. 来访前3天起，行政部接待岗每天关注气象预报和预警（12121气象服务热线或中国气象局发布的预警信息），"
            "出现黄色及以上预警时立即通知接待负责人。\n"
            "2. 接待负责人会同行政部接待岗评估对航班、列车、道路交通、户外参观和活动的影响，必要时启用备选方案："
            "户外参观改为室内展厅讲解或视频介绍，调整活动顺序，缩短户外停留时间。\n"
            "3. 与客户联系人沟通，建议调整抵达时间或行程，必要时推迟来访；客户同意后按行程变更应急预案更新方案。\n"
            "4. 行政部接待岗落实防护措施：雨具、防滑垫、防暑降温或防寒保暖用品；车辆出车前检查，"
            "安排经验丰富的司机并预留充足的路途时间。\n"
            "5. 台风、暴雪等红色预警或当地政府发布停工停课通知时，暂停一切户外活动和外出用车，"
            "安排客户在酒店或公司内安全等候。\n"
            "6. 天气好转后恢复行程，接待负责人与客户确认后续安排。"
        ),
        "responsibilities": (
            "行政部接待岗：天气监测和预警通报，车辆和防护物资保障，场地调整。\n"
            "接待负责人：决定是否启用备选方案，与客户沟通，更新行程。\n"
            "司机：出车前检查车况，恶劣天气下安全驾驶，路况异常及时报告。\n"
            "陪同人员：途中照顾客户安全，提醒防滑、防暑、防寒。"
        ),
        "contacts": (
            "气象服务热线：12121\n"
            "道路交通事故报警：122\n"
            "报警：110；急救：120；火警：119\n"
            "行政部接待岗、车队调度：见公司通讯录。"
        ),
    },
    {
        "name": "会议及展示设备故障应急预案",
        "scenario": "equipment_failure",
        "procedure": (
            "1. 会议或展示前一天，行政部接待岗会同IT运维人员完成场地设备联调：投影或显示屏、话筒音响、视频会议、"
            "网络、翻译设备、演示电脑，并准备备用设备（备用电脑、无线话筒、转接头、翻页笔、电池）。\n"
            "2. 演示资料除电脑外另存U盘一份，并准备纸质版，设备故障时可当场分发（保密资料按保密制度处理）。\n"
            "3. 发生故障时，现场工作人员立即通知IT运维值班人员；主持人视情况宣布短暂休息，"
            "或先进行不依赖设备的议程（自由交流、茶歇）。\n"
            "4. IT运维人员应在10分钟内到场处置；15分钟内无法修复的，启用备用设备或转移到备用会议室"
            "（行政部接待岗预订场地时预留备用场地）。\n"
            "5. 展厅或生产线演示设备故障时，讲解人员改用图片、视频或样品讲解，引导客户远离故障区域；"
            "有安全风险的设备立即停机并设置警示。\n"
            "6. 故障排除后记录故障原因和处理时间，纳入场地设备维护。"
        ),
        "responsibilities": (
            "行政部接待岗：会前联调，备用设备和备用场地的准备，场地转移。\n"
            "IT运维人员：设备故障排查和修复，视频会议和网络保障。\n"
            "会议主持人、接待负责人：调整议程，向客户致歉并说明安排。\n"
            "讲解人员：展示设备故障时改用替代方式讲解。"
        ),
        "contacts": (
            "IT运维值班：见公司通讯录。\n"
            "行政部接待岗：场地及备用设备。\n"
            "展厅、生产线设备责任人：见本次接待方案的人员安排。"
        ),
    },
    {
        "name": "突发疾病及人身意外应急预案",
        "scenario": "health_incident",
        "procedure": (
            "1. 客户或工作人员突发疾病、受伤时，第一发现人立即呼救并报告接待负责人，维持现场秩序，"
            "不随意搬动伤病者（现场有明显危险时除外）。\n"
            "2. 病情危急（昏迷、胸痛、呼吸困难、大出血、疑似骨折等）立即拨打120，说明准确地址、伤病情况和联系电话，"
            "并派人到大门或路口接应救护车。\n"
            "3. 等待期间，受过急救培训的人员进行必要的现场处置（心肺复苏、止血包扎），使用公司AED和急救箱。\n"
            "4. 病情较轻的，由陪同人员安排车辆送往就近医院就诊，全程陪同。\n"
            "5. 接待负责人及时通知客户单位联系人和伤病者家属（境外客户同时联系其所在机构），"
            "并报告接待部门负责人和分管领导。\n"
            "6. 意外发生在生产或施工区域的，立即停止相关作业，保护现场，由安全管理人员调查原因。\n"
            "7. 事后跟进伤病者情况，保存就医和费用凭证，按规定办理保险和费用事宜，并在接待总结中记录。"
        ),
        "responsibilities": (
            "接待负责人：现场指挥，对内报告，联系客户单位和家属。\n"
            "陪同人员：陪同就医，随时报告病情进展。\n"
            "行政部接待岗：安排车辆，联系医院，提供急救用品。\n"
            "安全管理人员：生产区域意外的现场处置和调查。\n"
            "接待部门负责人：向分管领导报告，决定后续接待安排。"
        ),
        "contacts": (
            "急救：120；报警：110；火警：119\n"
            "就近医院急诊：见行政部资源清单（来访前核实地址和电话）。\n"
            "急救箱、AED位置：前台及各楼层服务台。\n"
            "安全管理值班：见公司通讯录。"
        ),
    },
    {
        "name": "交通延误及航班取消应急预案",
        "scenario": "other",
        "procedure": (
            "1. 客户出发前，接待负责人确认航班或车次信息；到达当天，行政部接待岗提前查询航班或列车动态。\n"
            "2. 获知延误或取消后，立即与客户联系人确认新的航班或车次和预计到达时间。\n"
            "3. 通知接机（接站）司机和陪同人员调整出发时间；延误超过2小时的，安排司机就近等候或换班，避免疲劳驾驶。\n"
            "4. 深夜抵达的，与酒店确认保留房间（延迟入住），必要时为客户准备简餐。\n"
            "5. 延误或取消影响当天重要议程的，按行程变更应急预案调整后续安排，与客户协商改期或改为视频会议。\n"
            "6. 客户返程遇航班取消的，协助改签或安排次日航班，并安排住宿和送机。"
        ),
        "responsibilities": (
            "接待负责人：跟踪客户行程，决定议程调整，与客户沟通。\n"
            "行政部接待岗：查询航班和列车动态，调整车辆、司机和酒店，协助改签。\n"
            "司机：按调整后的时间接送，注意行车安全。\n"
            "陪同人员：接机（接站）陪同，向客户说明调整后的安排。"
        ),
        "contacts": (
            "铁路客服：12306；航空公司客服：见客户机票信息。\n"
            "机场、车站问询电话：出发前由行政部接待岗核实。\n"
            "合作酒店前台：见本次接待方案的住宿安排。\n"
            "车队调度：见公司通讯录。"
        ),
    },
]


def ensure_emergency_templates(EmergencyTemplate=None, EmergencyTemplateRevision=None) -> int:
    """Create the seed templates missing by name, each with its revision 1 row; returns how many were created.
    Idempotent. A data migration passes the historical models (apps.get_model(...)); other callers pass nothing."""
    if EmergencyTemplate is None:
        from jiedai.planning.models import EmergencyTemplate, EmergencyTemplateRevision
    existing = set(
        EmergencyTemplate.objects.filter(name__in=[s["name"] for s in SEED_TEMPLATES]).values_list("name", flat=True)
    )
    created = 0
    for spec in SEED_TEMPLATES:
        if spec["name"] in existing:
            continue
        template = EmergencyTemplate.objects.create(revision=1, is_active=True, **spec)
        EmergencyTemplateRevision.objects.create(
            template=template,
            revision=1,
            procedure=spec["procedure"],
            responsibilities=spec["responsibilities"],
            contacts=spec["contacts"],
            reason=SEED_REASON,
            revised_by=None,
        )
        created += 1
    return created
